"""`invoice-collector setup`: everything after the install, in one command and in the user's
language: the doctor's report, start at login (with the browsers' native host), then what to
click in Chrome to load the extension (a program may not open chrome://extensions for the user)."""

from __future__ import annotations

import argparse

from backend import autostart, config, doctor, paths
from backend.autostart.common import Install
from backend.i18n import cli_language, in_language, say


def chrome_steps(folder: str) -> str:
    return say(
        "Last step, in Google Chrome (or Chromium):\n"
        "  1. Open the menu ⋮ (top right) > Extensions > Manage Extensions.\n"
        "  2. Switch on « Developer mode » (top right of that page).\n"
        "  3. Click « Load unpacked » and choose this folder:\n"
        f"       {folder}\n"
        "  4. Click the Extensions icon (the puzzle piece) next to the address bar and pin « Collecte de "
        "factures »,\n"
        "     then click its icon: the side panel opens and pairs itself with this computer, no code to type.",
        "Dernière étape, dans Google Chrome (ou Chromium) :\n"
        "  1. Ouvrez le menu ⋮ (en haut à droite) > Extensions > Gérer les extensions.\n"
        "  2. Activez le « Mode développeur » (en haut à droite de cette page).\n"
        "  3. Cliquez sur « Charger l'extension non empaquetée » et choisissez ce dossier :\n"
        f"       {folder}\n"
        "  4. Cliquez sur l'icône Extensions (la pièce de puzzle) à côté de la barre d'adresse et épinglez "
        "« Collecte de factures »,\n"
        "     puis cliquez sur son icône : le panneau latéral s'ouvre et s'associe tout seul à cet ordinateur, "
        "sans code à saisir.")


def run(args: argparse.Namespace) -> int:
    lang = args.lang or cli_language()

    def tell(en: str, fr: str) -> None:
        print(in_language(say(en, fr), lang), flush=True)

    settings = config.load()
    tell("1/3 Checking what invoice-collector needs (`invoice-collector doctor`):",
         "1/3 Vérification de ce dont invoice-collector a besoin (`invoice-collector doctor`) :")
    results = doctor.run_checks(doctor.all_checks(settings))
    print(doctor.render(results, lang) + "\n")
    failed = any(result.status == doctor.FAIL for result in results)

    tell("2/3 Starting the server at every login, and letting the extension pair itself:",
         "2/3 Démarrage du serveur à chaque ouverture de session, et association automatique de l'extension :")
    try:
        print("\n".join(autostart.enable(settings.port, Install.current())) + "\n")
    except (RuntimeError, ValueError, OSError) as exc:
        tell(f"error: {exc}", f"erreur : {exc}")
        return 1

    tell("3/3 The extension.", "3/3 L'extension.")
    print(in_language(chrome_steps(str(paths.extension_dir())), lang))
    if failed:
        tell("\nBefore that, fix what the checks marked FAIL above, then run `invoice-collector setup` again.",
             "\nAvant cela, corrigez ce que les vérifications marquent FAIL plus haut, puis relancez "
             "`invoice-collector setup`.")
        return 1
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("setup", help="after installing: check, start at login, and how to load the "
                                                 "extension",
                                   description="Run the doctor, start the server at every login (and let the "
                                               "extension pair itself), then say what to click in Chrome.")
    parser.add_argument("--lang", choices=("fr", "en"),
                        help="language of what it prints (default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG)")
    parser.set_defaults(func=run)

