"""The bundled real-provider entries: complete, honest about their status, logos bundled."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from backend.collectors.language.catalog import load_catalog
from tests.replicas import bouygues, edf, engie, free, getmyinvoices, orange, ovh, sfr, totalenergies
from tests.replicas.harness import CATALOG

LOGOS = Path(__file__).resolve().parent.parent / "backend" / "logos"
REPLICA_HOSTS = {**orange.HOSTS, **sfr.HOSTS, **free.HOSTS, **bouygues.HOSTS, **edf.HOSTS, **engie.HOSTS,
                 **totalenergies.HOSTS, **ovh.HOSTS, **getmyinvoices.HOSTS}
CATEGORIES = {"orange": "télécom", "sosh": "télécom", "orange-pro": "télécom", "sfr": "télécom",
              "free": "télécom", "free-mobile": "télécom", "bouygues-telecom": "télécom", "edf": "énergie",
              "engie": "énergie", "totalenergies": "énergie", "ovh": "hébergement", "getmyinvoices": "logiciel"}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(files=[CATALOG])


def test_every_real_provider_loads_without_error(catalog):
    assert [str(e) for e in catalog.errors] == []
    assert set(CATEGORIES) <= set(catalog.providers)


@pytest.mark.parametrize("provider_id", sorted(CATEGORIES))
def test_provider_entry_is_complete(catalog, provider_id):
    p = catalog.providers[provider_id]
    assert p.category == CATEGORIES[provider_id]
    assert p.homepage.startswith("https://") and p.terms.url.startswith("https://") and p.terms.version
    assert p.status == "beta"
    assert "pas encore vérifiée" in p.status_note  # shown in the panel, in French
    assert p.interval_hours == (12 if provider_id == "getmyinvoices" else 24)
    assert p.description
    # What the panel shows of it, in both languages: an English panel never gets the French twice.
    texts = p.public()["texts"]
    assert texts["description"]["en"] != texts["description"]["fr"] == p.description
    assert texts["status_note"]["en"] != texts["status_note"]["fr"] == p.status_note
    assert texts["category"]["en"] != texts["category"]["fr"]
    assert all(c.label_fr and c.label_en for c in p.credentials)
    assert [c.name for c in p.credentials if c.secret and c.required] in (["password"], ["api_key"])
    # Tests point every host the recipe uses at a replica: the names must match exactly.
    assert set(p.urls) == set(REPLICA_HOSTS[provider_id])


def test_bouygues_no_longer_asks_for_the_last_name(catalog):
    """Its login since 2023-11 has no last-name field; accounts that saved one keep working (the
    run gets it and no step uses it), after approving the changed recipe."""
    assert [c.name for c in catalog.providers["bouygues-telecom"].credentials] == ["login", "password"]


@pytest.mark.parametrize("provider_id", sorted(CATEGORIES))
def test_logo_is_a_small_bundled_svg(catalog, provider_id):
    logo = LOGOS / catalog.providers[provider_id].logo
    data = logo.read_text(encoding="utf-8")
    root = ET.fromstring(data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(data) < 2048
    # Nothing loaded from elsewhere: no links, images, scripts or styles fetched by URL.
    assert not any(el.tag.split("}")[-1] in ("image", "script", "use", "foreignObject") for el in root.iter())
    assert "url(" not in data and "href" not in data


def test_a_recipe_without_english_texts_shows_its_french_ones(catalog):
    """A user's recipe in one language: the English panel shows what there is, not an empty line."""
    demo = catalog.providers["demo-energie"]
    bare = dataclasses.replace(demo, description_en=None, category="jardinage",
                               terms=dataclasses.replace(demo.terms, text_en=None))
    texts = bare.public()["texts"]
    assert texts["description"] == {"fr": demo.description, "en": demo.description}
    assert texts["terms"] == {"fr": demo.terms.text, "en": demo.terms.text}
    assert texts["category"] == {"fr": "jardinage", "en": "jardinage"}
    assert demo.public()["texts"]["terms"]["en"].startswith("Énergie Démo is a fictitious supplier")
