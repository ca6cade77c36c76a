"""Outcome codes of a collection run, shared by the engine, the server and the panel.

Each code carries a French and an English message that tells the user what to do, and
whether the scheduler may retry on its own (never for anything that could lock an account).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    name: str
    fr: str
    en: str
    auto_retry: bool  # may the scheduler try again without the user doing anything?
    backoff: bool = False  # retry later with increasing delays


CODES: dict[str, Code] = {c.name: c for c in (
    Code("LOGIN_FAILED",
         "Identifiant ou mot de passe refusé par le fournisseur. Corrigez vos identifiants : "
         "aucune nouvelle tentative ne sera faite avant, pour ne pas bloquer votre compte.",
         "The provider rejected the login or password. Update your credentials: nothing will be "
         "retried until you do, so that your account does not get locked.",
         auto_retry=False),
    Code("ACTION_NEEDED",
         "Le fournisseur demande une action sur son site (nouvelles conditions, validation sur "
         "votre téléphone…). Cliquez sur « Résoudre maintenant » pour la faire dans la fenêtre du "
         "site, ou faites-la sur son espace client puis relancez la synchronisation.",
         "The provider asks for an action on its site (new terms, a confirmation on your phone…). "
         "Click \"Resolve now\" to do it in the site's window, or do it in its customer area, then "
         "sync again.",
         auto_retry=False),
    Code("OTP_REQUIRED",
         "Un code à usage unique était nécessaire et n'a pas été saisi à temps. Lancez "
         "« Synchroniser maintenant » et gardez le panneau ouvert pour saisir le code.",
         "A one-time code was needed and was not entered in time. Use \"Sync now\" and keep the "
         "panel open to enter the code.",
         auto_retry=False),
    Code("OTP_WRONG",
         "Le code à usage unique a été refusé. Relancez la synchronisation et saisissez le "
         "dernier code reçu (ou vérifiez la clé TOTP enregistrée).",
         "The one-time code was rejected. Sync again and enter the latest code you received "
         "(or check the saved TOTP key).",
         auto_retry=False),
    Code("CAPTCHA",
         "Le fournisseur affiche un captcha. Cliquez sur « Résoudre maintenant » : sa page "
         "s'ouvre dans une fenêtre, résolvez-le et la collecte reprend d'elle-même.",
         "The provider shows a captcha. Click \"Resolve now\": its page opens in a window; solve "
         "it there and the collection goes on by itself.",
         auto_retry=False),
    Code("PROVIDER_DOWN",
         "Le site du fournisseur est indisponible ou en maintenance. Une nouvelle tentative "
         "aura lieu automatiquement plus tard.",
         "The provider's site is down or under maintenance. It will be retried automatically later.",
         auto_retry=True, backoff=True),
    Code("RECIPE_BROKEN",
         "Le site du fournisseur a changé et la recette ne le reconnaît plus. Mettez "
         "invoice-collector à jour ou signalez-le avec la trace jointe.",
         "The provider's site changed and the recipe no longer matches it. Update invoice-collector "
         "or report it with the attached trace.",
         auto_retry=True, backoff=True),
    Code("RECIPE_UNSAFE",
         "La recette de ce fournisseur a voulu envoyer vos identifiants, ou ouvrir une page, hors des "
         "sites approuvés pour ce compte : la collecte a été arrêtée avant tout envoi. Si la recette "
         "vient d'un fichier local, supprimez-le ou faites-le vérifier (« invoice-collector doctor » "
         "le nomme).",
         "The provider's recipe tried to send your credentials, or open a page, outside the sites "
         "approved for this account: the sync was stopped before anything was sent. If the recipe "
         "comes from a local file, remove it or have it checked (\"invoice-collector doctor\" names it).",
         auto_retry=False),
    Code("RECIPE_CHANGED",
         "La recette de ce fournisseur a changé : les sites où vont vos identifiants, ou les étapes "
         "qui les utilisent, ne sont plus ceux que vous avez acceptés. Vérifiez la nouvelle liste sur "
         "la carte du compte et approuvez-la pour reprendre la collecte.",
         "The provider's recipe changed: the sites your credentials go to, or the steps that use "
         "them, are no longer the ones you accepted. Check the new list on the account's card and "
         "approve it to sync again.",
         auto_retry=False),
    Code("DOWNLOAD_FAILED",
         "Une facture n'a pas pu être téléchargée (le fichier reçu n'est pas un PDF valide). "
         "Une nouvelle tentative aura lieu à la prochaine synchronisation.",
         "An invoice could not be downloaded (the file received is not a valid PDF). It will be "
         "retried at the next sync.",
         auto_retry=True, backoff=True),
    Code("TIMEOUT",
         "Le site du fournisseur n'a pas répondu à temps. Une nouvelle tentative aura lieu "
         "automatiquement plus tard.",
         "The provider's site did not answer in time. It will be retried automatically later.",
         auto_retry=True, backoff=True),
    Code("DISK_FULL",
         "Le disque de cet ordinateur est plein : les factures n'ont pas pu être enregistrées. Libérez "
         "de la place sur le disque indiqué ; la synchronisation sera retentée, et rien n'est perdu.",
         "This computer's disk is full: the invoices could not be saved. Free some space on the disk "
         "named; the sync will be retried, and nothing is lost.",
         auto_retry=True, backoff=True),
    Code("GRID_UNAVAILABLE",
         "Le Selenium Grid réglé dans les paramètres (`remote_webdriver_url`) n'a pas fourni de navigateur : "
         "injoignable, identifiants refusés, ou aucun emplacement libre à temps. Vérifiez qu'il tourne et "
         "qu'il a des emplacements libres (« invoice-collector doctor » le vérifie) ; la synchronisation sera "
         "retentée.",
         "The Selenium Grid set in the settings (`remote_webdriver_url`) did not provide a browser: it cannot be "
         "reached, refused the credentials, or had no free slot in time. Check that it runs and has free slots "
         "(\"invoice-collector doctor\" checks it); the sync will be retried.",
         auto_retry=True, backoff=True),
    Code("INTERNAL",
         "Erreur interne d'invoice-collector. Lancez « invoice-collector doctor » et consultez "
         "le journal ; la synchronisation sera retentée.",
         "Internal invoice-collector error. Run \"invoice-collector doctor\" and check the log; "
         "the sync will be retried.",
         auto_retry=True, backoff=True),
)}


def message(code: str, lang: str = "fr") -> str:
    entry = CODES[code]
    return entry.fr if lang.startswith("fr") else entry.en
