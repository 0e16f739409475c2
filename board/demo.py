"""Demo data: a believable town modelled on Neumarkt i.d.OPf.

Running it again adds nothing twice: categories, districts and organisations are keyed on their
slug, people on their address, posts on `source_ref = "demo:<n>"`; post n always has the same
text, so `--posts 100` after `--posts 60` adds posts 60 to 99. Posts go in with bulk inserts,
so `--posts 20000` for benchmarks takes seconds.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from babel.dates import format_date
from flask import current_app
from sqlalchemy import insert, select

from board.accounts.models import Role, User
from board.config import Defaults
from board.extensions import db
from board.organisations.models import Membership, Organisation, OrganisationKind
from board.posts.models import Category, District, Post, PostKind, PostSource
from board.posts.status import PostStatus
from board.posts.town import sync_categories, sync_districts
from board.timeutil import BERLIN

REF_PREFIX = "demo:"
CHUNK = 2000

CATEGORIES = Defaults.CATEGORIES  # the demo posts use these slugs, whatever the town set

DISTRICTS = [
    ("innenstadt", "Innenstadt"),
    ("woffenbach", "Woffenbach"),
    ("poelling", "Pölling"),
    ("holzheim", "Holzheim"),
    ("pelchenhofen", "Pelchenhofen"),
    ("hasenheide", "Hasenheide"),
    ("altenhof", "Altenhof"),
    ("stauf", "Stauf"),
    ("laehr", "Lähr"),
    ("muehlen", "Mühlen"),
    ("rittershof", "Rittershof"),
    ("labersricht", "Labersricht"),
    ("helena", "Helena"),
    ("voggenthal", "Voggenthal"),
    ("wolfstein", "Wolfstein"),
]

STREETS = [
    "Dammstraße", "Ringstraße", "Bahnhofstraße", "Mühlstraße", "Kapuzinerstraße",
    "Obere Marktstraße", "Untere Marktstraße", "Klostergasse", "Badstraße",
    "Woffenbacher Straße", "Amberger Straße", "Nürnberger Straße", "Regensburger Straße",
    "Ingolstädter Straße", "Freystädter Straße", "Schlosserstraße", "Fichtenweg", "Am Hasenbuck",
]  # fmt: skip


@dataclass(frozen=True)
class Org:
    slug: str
    name: str
    kind: OrganisationKind
    email: str
    description: str


ORGANISATIONS = [
    Org(
        "stadt-neumarkt",
        "Stadt Neumarkt i.d.OPf.",
        OrganisationKind.ADMINISTRATION,
        "rathaus@example.org",
        "Amtliche Mitteilungen der Stadtverwaltung: Baustellen, Termine, Bürgerservice.",
    ),
    Org(
        "ogv-woffenbach",
        "Obst- und Gartenbauverein Woffenbach e.V.",
        OrganisationKind.ASSOCIATION,
        "ogv.woffenbach@example.org",
        "Wir pflegen die Streuobstwiese, bieten Schnittkurse an und feiern jedes Jahr das "
        "Apfelfest.",
    ),
    Org(
        "tsv-neumarkt",
        "TSV Neumarkt e.V.",
        OrganisationKind.ASSOCIATION,
        "tsv@example.org",
        "Breitensport für alle Generationen: Turnen, Fußball, Leichtathletik und Kinderturnen.",
    ),
    Org(
        "tafel-neumarkt",
        "Neumarkter Tafel e.V.",
        OrganisationKind.ASSOCIATION,
        "tafel@example.org",
        "Wir retten Lebensmittel und geben sie an Menschen mit wenig Geld weiter.",
    ),
    Org(
        "seniorenbeirat",
        "Seniorenbeirat der Stadt Neumarkt",
        OrganisationKind.ASSOCIATION,
        "seniorenbeirat@example.org",
        "Die Stimme der älteren Neumarkterinnen und Neumarkter: Beratung, Treffen, Fahrdienste.",
    ),
    Org(
        "ffw-poelling",
        "Freiwillige Feuerwehr Pölling",
        OrganisationKind.ASSOCIATION,
        "feuerwehr.poelling@example.org",
        "Retten, löschen, bergen, schützen – und neue Mitglieder sind immer willkommen.",
    ),
]

# (first name, family name, language): the residents who post in the demo.
RESIDENTS = [
    ("Anna", "Huber", "de"), ("Bernd", "Meier", "de"), ("Christa", "Schmid", "de"),
    ("Dieter", "Wagner", "de"), ("Elif", "Yilmaz", "de"), ("Franz", "Bauer", "de"),
    ("Gabi", "Hofmann", "de"), ("Hans", "Graf", "de"), ("Ingrid", "Lehner", "de"),
    ("Jonas", "Forster", "de"), ("Karin", "Brunner", "de"), ("Lukas", "Wittmann", "de"),
    ("Maria", "Ziegler", "de"), ("Norbert", "Kellner", "de"), ("Olga", "Petrenko", "de"),
    ("Paul", "Weiß", "de"), ("Renate", "Schäfer", "de"), ("Stefan", "Götz", "de"),
    ("Tanja", "Seitz", "de"), ("Ursula", "Pfeiffer", "de"), ("Vera", "Köhler", "de"),
    ("Walter", "Lang", "de"), ("Yusuf", "Demir", "de"), ("Zoe", "Fischer", "de"),
    ("Emily", "Carter", "en"), ("James", "O'Neill", "en"),
]  # fmt: skip


@dataclass(frozen=True)
class Template:
    category: str
    kind: PostKind
    title: str
    body: str
    org: str | None = None
    source: PostSource = PostSource.WEB


# Short names, so the table below stays readable.
O, R, E, N = PostKind.OFFER, PostKind.REQUEST, PostKind.EVENT, PostKind.NOTICE  # noqa: E741

# Placeholders: {district}, {street}, {weekday}, {date} (a day in the next weeks, in words),
# {when} (an event's date and time, in words), {n} (a small number).
TEMPLATES = [
    # Nachbarschaftshilfe
    Template("nachbarschaftshilfe", O, "Einkaufshilfe für ältere Nachbarn in {district}",
             "Ich fahre jeden {weekday} zum Einkaufen und nehme gern etwas mit. Einfach kurz "
             "melden, was Sie brauchen – bezahlt wird bei der Übergabe."),
    Template("nachbarschaftshilfe", O, "Hilfe bei Handy, Tablet und E-Mail",
             "Rentner mit viel Geduld erklärt Smartphone, Tablet und Videotelefonie. Gern bei "
             "Ihnen zu Hause in {district} oder im Café am Oberen Markt, kostenlos."),
    Template("nachbarschaftshilfe", R, "Wer hilft beim Umzug am {date}?",
             "Wir ziehen innerhalb von {district} um (2. Stock, kein Aufzug) und suchen zwei "
             "kräftige Helfer für etwa drei Stunden. Brotzeit und Getränke gibt es natürlich."),
    Template("nachbarschaftshilfe", R, "Begleitung zum Arzttermin gesucht",
             "Meine Mutter (84) braucht am {weekday}vormittag Begleitung zur Praxis in der "
             "{street}. Wer hätte Zeit? Wir zahlen gern das Taxi zurück."),
    Template("nachbarschaftshilfe", O, "Schüler mäht Rasen und trägt Getränkekisten",
             "Ich bin 16, wohne in {district} und helfe nach der Schule bei Rasenmähen, "
             "Schneeschippen oder schweren Einkäufen. Taschengeld nach Absprache."),
    Template("nachbarschaftshilfe", R, "Hilfe beim Ausfüllen von Anträgen",
             "Wer kennt sich mit Formularen aus (Wohngeld, Rente) und könnte mir an einem "
             "Nachmittag helfen? Ich wohne in der {street}."),
    Template("nachbarschaftshilfe", O, "Ich mache Ihre Fahrräder fit",
             "Schlauch flicken, Bremsen und Schaltung einstellen, Licht reparieren: Ich helfe "
             "Nachbarn in {district} gegen eine Spende für die Jugendfeuerwehr."),
    Template("nachbarschaftshilfe", O, "Blumen gießen und Briefkasten leeren im Urlaub",
             "Ich wohne in {district} und kümmere mich gern um Pflanzen und Post, wenn Sie "
             "verreist sind. Zuverlässig, Referenzen aus der Nachbarschaft."),
    # Verschenken
    Template("verschenken", O, "Kinderfahrräder zu verschenken",
             "Zwei Fahrräder für Kinder (16 und 20 Zoll), fahrbereit, leichte Gebrauchsspuren. "
             "Abzuholen in der {street} in {district}."),
    Template("verschenken", O, "Sofa, 3-Sitzer, gegen Abholung",
             "Graues Stoffsofa, sauber, aus Nichtraucherhaushalt. Muss bis {date} abgeholt "
             "werden, zwei Personen zum Tragen nötig (1. Stock)."),
    Template("verschenken", O, "Bücherkiste: Romane und Krimis",
             "Etwa {n}0 Taschenbücher, viele Regionalkrimis aus der Oberpfalz. Steht ab sofort "
             "im Hof in der {street}, einfach mitnehmen."),
    Template("verschenken", O, "Einmachgläser, ca. 40 Stück",
             "Mit Deckeln, verschiedene Größen. Ideal für Marmelade und Eingemachtes. Abholung "
             "in {district}."),
    Template("verschenken", O, "Babykleidung Größe 56–74",
             "Zwei Umzugskartons gut erhaltene Babykleidung, gewaschen. Gern an eine Familie, "
             "die sie braucht."),
    Template("verschenken", R, "Suche Schreibtisch für Schulkind",
             "Unsere Tochter kommt in die 1. Klasse. Wer hat einen kleinen Schreibtisch übrig? "
             "Abholen können wir selbst."),
    Template("verschenken", O, "Gartenstühle und Sonnenschirm",
             "Vier Klappstühle aus Holz und ein großer Sonnenschirm mit Ständer. Abzuholen in "
             "{district}, {street}."),
    # Verleihen
    Template("verleihen", O, "Verleihe PKW-Anhänger (750 kg)",
             "Ungebremster Anhänger, 2,00 × 1,10 m, mit Plane. Für Nachbarn in {district} gegen "
             "eine kleine Spende an die Tafel."),
    Template("verleihen", O, "Bohrhammer, Leiter und Fliesenschneider",
             "Werkzeug aus meiner Garage in der {street}, das meistens nur herumsteht. Gern "
             "ausleihen – bitte sauber zurückbringen."),
    Template("verleihen", R, "Wer leiht mir einen Vertikutierer?",
             "Für einen Samstag im Garten in {district}. Ich bringe ihn gereinigt zurück und "
             "eine Flasche Wein dazu."),
    Template("verleihen", O, "Biertischgarnituren für Feiern",
             "Der Verein verleiht zehn Garnituren für Geburtstage und Hoffeste. Abholung am "
             "Sportgelände, Anfragen bitte eine Woche vorher.", org="tsv-neumarkt"),
    Template("verleihen", R, "Suche Kinderreisebett fürs Wochenende",
             "Die Enkel kommen zu Besuch! Wer kann uns vom {date} an für drei Tage ein "
             "Reisebett leihen?"),
    Template("verleihen", O, "Lastenrad zum Ausleihen",
             "Unser Lastenrad steht werktags meistens still. Für Einkäufe oder kleine Transporte "
             "in {district} gern ausleihen, Schloss und Regenplane sind dabei."),
    # Mitfahren
    Template("mitfahren", O, "Mitfahrgelegenheit nach Nürnberg, werktags",
             "Ich fahre Montag bis Freitag um 7:15 Uhr ab {district} nach Nürnberg (Südstadt), "
             "zurück gegen 17 Uhr. Zwei Plätze frei, Spritkosten teilen wir."),
    Template("mitfahren", R, "Suche Mitfahrt nach Regensburg am {date}",
             "Ich habe einen Termin an der Uniklinik und suche eine Mitfahrgelegenheit hin "
             "und zurück. Beteilige mich selbstverständlich an den Kosten."),
    Template("mitfahren", O, "Fahrdienst zum Wochenmarkt",
             "Jeden {weekday} holen wir ältere Menschen zu Hause ab und bringen sie zum "
             "Wochenmarkt und wieder heim. Bitte am Vortag anmelden.", org="seniorenbeirat"),
    Template("mitfahren", R, "Mitfahrt zur Berufsschule gesucht",
             "Azubi aus {district} sucht Mitfahrt nach Amberg, Unterricht dienstags und "
             "donnerstags ab 8 Uhr."),
    Template("mitfahren", O, "Fahrt nach Amberg, {weekday}s",
             "Ich fahre jede Woche gegen 9 Uhr über Kastl nach Amberg und habe drei freie "
             "Plätze. Abfahrt an der {street}."),
    # Ehrenamt gesucht
    Template("ehrenamt-gesucht", R, "Helferinnen und Helfer für die Lebensmittelausgabe",
             "Für unsere Ausgabe dienstags und freitags suchen wir Verstärkung: Kisten tragen, "
             "sortieren, mit Menschen reden. Schon zwei Stunden im Monat helfen.",
             org="tafel-neumarkt"),
    Template("ehrenamt-gesucht", R, "Mitmachen bei der Freiwilligen Feuerwehr",
             "Wir suchen Frauen und Männer ab 16 Jahren. Übungsabend ist jeden zweiten "
             "{weekday} um 19 Uhr im Gerätehaus. Schauen Sie einfach vorbei!",
             org="ffw-poelling"),
    Template("ehrenamt-gesucht", R, "Vorlesepatinnen und -paten gesucht",
             "Im Seniorenheim freuen sich die Bewohnerinnen und Bewohner über Besuch. Wer liest "
             "einmal pro Woche eine Stunde vor?", org="seniorenbeirat"),
    Template("ehrenamt-gesucht", R, "Übungsleiter/in für das Kinderturnen",
             "Für die Gruppe der 4- bis 6-Jährigen suchen wir ab sofort Unterstützung, "
             "{weekday}nachmittag in der Halle. Eine Ausbildung bezahlt der Verein.",
             org="tsv-neumarkt"),
    Template("ehrenamt-gesucht", R, "Helfende Hände für die Streuobstwiese",
             "Beim Mähen, Obstauflesen und Pflanzen zählt jede Stunde. Werkzeug und Brotzeit "
             "stellen wir.", org="ogv-woffenbach"),
    Template("ehrenamt-gesucht", R, "Wahlhelferinnen und Wahlhelfer gesucht",
             "Für die nächste Wahl suchen wir Bürgerinnen und Bürger, die in den Wahllokalen "
             "mithelfen. Es gibt ein Erfrischungsgeld. Anmeldung im Rathaus.",
             org="stadt-neumarkt"),
    # Veranstaltungen
    Template("veranstaltungen", E, "Apfelfest auf der Streuobstwiese",
             "Am {when} pressen wir Apfelsaft, es gibt Kuchen, Sortenbestimmung und ein "
             "Programm für Kinder. Eintritt frei.", org="ogv-woffenbach",
             source=PostSource.IMPORT),
    Template("veranstaltungen", E, "Obstbaum-Schnittkurs für Einsteiger",
             "Theorie und Praxis an unseren Bäumen: {when}, Treffpunkt am Vereinsgarten. "
             "Bitte Handschuhe und Baumschere mitbringen.", org="ogv-woffenbach",
             source=PostSource.IMPORT),
    Template("veranstaltungen", E, "Sportabzeichen-Tag für alle",
             "Laufen, Springen, Werfen – am {when} kann jede und jeder das Sportabzeichen "
             "ablegen. Keine Anmeldung nötig.", org="tsv-neumarkt", source=PostSource.IMPORT),
    Template("veranstaltungen", E, "Bürgerversammlung für {district}",
             "Die Stadt informiert über Bauvorhaben, Verkehr und Kinderbetreuung und beantwortet "
             "Ihre Fragen. {when} im Pfarrsaal.", org="stadt-neumarkt"),
    Template("veranstaltungen", E, "Repair-Café: Reparieren statt wegwerfen",
             "Kaputter Toaster, wackeliger Stuhl, Loch in der Jacke? Am {when} helfen "
             "Ehrenamtliche beim Reparieren. Kaffee und Kuchen gegen Spende."),
    Template("veranstaltungen", E, "Tag der offenen Tür im Gerätehaus",
             "Fahrzeuge anschauen, Feuerlöscher ausprobieren, Kinderschminken: {when}.",
             org="ffw-poelling"),
    Template("veranstaltungen", E, "Hofflohmarkt in der {street}",
             "Mehrere Haushalte verkaufen am {when} Spielsachen, Bücher und Hausrat direkt im "
             "Hof. Einfach vorbeischauen!"),
    Template("veranstaltungen", E, "Seniorennachmittag mit Kaffee und Kuchen",
             "Gemütliches Beisammensein mit Musik am {when} im Bürgerhaus. Ein Fahrdienst kann "
             "angefragt werden.", org="seniorenbeirat"),
    Template("veranstaltungen", E, "Spieleabend für Erwachsene",
             "Brettspiele, Karten, nette Leute: {when} im Nebenzimmer vom Gasthaus in "
             "{district}. Eigene Spiele gern mitbringen."),
    # Tiere
    Template("tiere", N, "Katze entlaufen: grau getigert, hört auf „Mimi“",
             "Seit {weekday} vermisst in {district}, Nähe {street}. Sie ist scheu und gechippt. "
             "Bitte schauen Sie in Garagen und Schuppen nach – danke!"),
    Template("tiere", O, "Hasenstall mit Freigehege abzugeben",
             "Zweistöckig, wetterfest, mit Gehege 2 × 1 m. Abzuholen in {district}."),
    Template("tiere", R, "Katzensitter für zwei Wochen in den Ferien gesucht",
             "Zwei freundliche Kater in der {street} brauchen ab {date} zweimal täglich Futter "
             "und Gesellschaft. Gern gegen Bezahlung."),
    Template("tiere", O, "Gassigehen: Ich habe noch Zeit",
             "Hundeerfahrene Studentin geht gern mit Ihrem Hund, vormittags oder am Wochenende, "
             "rund um {district}."),
    Template("tiere", N, "Wellensittich zugeflogen",
             "Blau-weiß, sehr zahm, seit {weekday} bei uns in {district}. Wer vermisst ihn?"),
    # Kinder & Familie
    Template("kinder-familie", O, "Babysitterin mit Erste-Hilfe-Kurs",
             "Ich bin 17, habe zwei jüngere Geschwister und einen Babysitterkurs besucht. "
             "Abends und am Wochenende in {district} und der Innenstadt."),
    Template("kinder-familie", R, "Spielgruppe für Kleinkinder in {district}?",
             "Wir (Mama und Sohn, 18 Monate) suchen andere Familien für ein wöchentliches "
             "Treffen auf dem Spielplatz oder im Pfarrheim."),
    Template("kinder-familie", O, "Schulranzen, kaum benutzt",
             "Ergonomischer Ranzen mit Federmäppchen und Turnbeutel, blau mit Dinos. "
             "Gegen eine Spende für den Kindergarten."),
    Template("kinder-familie", E, "Kinderflohmarkt im Pfarrheim",
             "Kleidung, Spielzeug, Kinderwagen: Am {when} verkaufen Familien aus {district}. "
             "Kuchenverkauf zugunsten des Kindergartens."),
    Template("kinder-familie", R, "Nachhilfe in Mathe für die 7. Klasse gesucht",
             "Unser Sohn braucht vor der nächsten Schulaufgabe Unterstützung, am liebsten "
             "zweimal pro Woche bei uns in der {street}."),
    # Garten
    Template("garten", O, "Zucchini und Tomaten aus eigenem Anbau",
             "Mehr, als wir essen können! Steht in einer Kiste vor dem Gartentor in der "
             "{street}, bitte bedienen."),
    Template("garten", R, "Suche Hilfe beim Heckeschneiden",
             "Unsere Thujahecke (ca. 25 m) in {district} braucht einen Schnitt. Wer hat Zeit und "
             "eine Heckenschere? Bezahlung nach Absprache."),
    Template("garten", O, "Ableger von Stauden und Erdbeeren",
             "Taglilien, Frauenmantel, Erdbeerpflanzen – alles aus dem eigenen Garten in "
             "{district}. Einfach klingeln."),
    Template("garten", E, "Pflanzentauschbörse am Vereinsgarten",
             "Bringen Sie Ableger, Samen und Jungpflanzen mit und tauschen Sie: {when}. "
             "Gartenfragen beantworten unsere Fachwarte.", org="ogv-woffenbach"),
    Template("garten", R, "Wer hat einen Gartenhäcksler?",
             "Nach dem Baumschnitt liegt bei uns in {district} ein Berg Äste. Leihen oder "
             "gemeinsam häckseln, ich helfe gern mit."),
    # Sonstiges
    Template("sonstiges", N, "Schlüsselbund am Residenzplatz gefunden",
             "Drei Schlüssel mit rotem Anhänger, gefunden am {weekday}. Abgegeben im Fundbüro "
             "im Rathaus."),
    Template("sonstiges", N, "Straßensperrung in der {street}",
             "Wegen Kanalarbeiten ist die {street} ab {date} für etwa {n} Wochen gesperrt. "
             "Eine Umleitung ist ausgeschildert. Wir bitten um Verständnis.",
             org="stadt-neumarkt"),
    Template("sonstiges", N, "Sperrmüll-Abholung in {district}",
             "Die nächste Sperrmüll-Abholung in {district} ist am {date}. Bitte melden Sie "
             "größere Mengen bis eine Woche vorher beim Bürgerbüro an.", org="stadt-neumarkt"),
    Template("sonstiges", N, "Wertstoffhof: geänderte Öffnungszeiten",
             "Ab {date} ist der Wertstoffhof samstags schon ab 8 Uhr geöffnet, dafür "
             "mittwochs erst ab 13 Uhr.", org="stadt-neumarkt"),
    Template("sonstiges", O, "Nachhilfe in Englisch und Deutsch",
             "Lehramtsstudentin gibt Nachhilfe für die 5. bis 10. Klasse, bei Ihnen oder in der "
             "Stadtbibliothek."),
    Template("sonstiges", R, "Wer repariert alte Nähmaschinen?",
             "Die Singer-Nähmaschine meiner Oma klemmt. Gibt es in Neumarkt jemanden, der sich "
             "damit auskennt?"),
    Template("sonstiges", N, "Sprechstunde im Bürgerbüro {district}",
             "Ab {date} ist das Bürgerbüro jeden {weekday} von 9 bis 12 Uhr im Gemeindehaus "
             "besetzt, auch für Hilfe beim Posten auf diesem Brett.", org="stadt-neumarkt",
             source=PostSource.ASSISTED),
]  # fmt: skip

WEEKDAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"]
EVENT_HOURS = [10, 14, 15, 17, 19]


def load_demo_data(post_count: int, now: datetime) -> int:
    """Make the town's categories, districts, organisations, people and `post_count` posts.

    Returns how many posts were added (0 when they are all there already). Does not commit.
    """
    categories = _ensure_categories()
    districts = _ensure_districts()
    organisations = _ensure_organisations(now)
    residents = _ensure_residents(now)
    org_authors = _ensure_memberships(organisations, now)
    db.session.flush()

    existing = set(
        db.session.scalars(select(Post.source_ref).where(Post.source_ref.startswith(REF_PREFIX)))
    )
    lifetimes = current_app.config["LIFETIME_DAYS"]
    rows: list[dict[str, Any]] = []
    added = 0
    for number in range(post_count):
        if f"{REF_PREFIX}{number}" in existing:
            continue
        rows.append(
            _post_row(
                number, now, lifetimes, categories, districts, organisations, residents, org_authors
            )
        )
        if len(rows) >= CHUNK:
            added += _insert(rows)
    added += _insert(rows)
    _ensure_moderation_examples(categories, now)
    _ensure_history(categories, districts, residents, now)
    return added


# Someone to log in as at /login (by e-mailed link, shown at /_mail in the demo), and work for
# them: a new neighbour's first posts waiting, a post two visitors have reported.
DEMO_MODERATOR = "moderation@example.org"
WAITING = (
    (
        "Biete Nachhilfe in Mathe",
        "Schüler der 10. Klasse gibt Nachhilfe bis Klasse 7, 10 € pro Stunde.",
    ),
    (
        "Suche Mitfahrgelegenheit nach Regensburg",
        "Jeden Dienstag gegen 7 Uhr, Benzingeld teile ich gern.",
    ),
    (
        "Günstige Kredite ohne Schufa!!!",
        "Jetzt anrufen: www.kredit-sofort.example www.kredit2.example "
        "www.kredit3.example www.kredit4.example",
    ),
)


def _ensure_moderation_examples(categories: dict[str, Category], now: datetime) -> None:
    from board.moderation.models import Action, ModerationAction, Report, ReportReason
    from board.moderation.reasons import seed_reason_templates

    moderator = _ensure_user(DEMO_MODERATOR, "Moritz (Moderation)", "de", now)
    moderator.role = Role.MODERATOR
    newcomer = _ensure_user("neu.zugezogen@example.org", "Nora N.", "de", now)
    seed_reason_templates()
    db.session.flush()
    refs = set(
        db.session.scalars(select(Post.source_ref).where(Post.source_ref.like("demo:queue:%")))
    )
    category = next(iter(categories.values()))
    for number, (title, body) in enumerate(WAITING):
        ref = f"demo:queue:{number}"
        if ref in refs:
            continue
        spam = number == 2
        post = Post(
            kind=PostKind.OFFER,
            category=category,
            author=newcomer,
            status=PostStatus.PENDING,
            source=PostSource.WEB,
            source_ref=ref,
            created_at=now - timedelta(hours=5 - number),
            status_changed_at=now - timedelta(hours=5 - number),
            expires_at=now + timedelta(days=30),
            review_reason="spam" if spam else "new_author",
            review_note="links:4" if spam else None,
        )
        post.set_text(title, body)
        db.session.add(post)
        db.session.flush()
        db.session.add(
            ModerationAction(
                action=Action.HOLD,
                post=post,
                subject_user=newcomer,
                to_status="pending",
                created_at=post.created_at,
                details={"reason": post.review_reason},
            )
        )
    reported = db.session.scalar(
        select(Post).where(Post.source_ref == "demo:1", Post.status == PostStatus.PUBLISHED)
    )
    if reported is not None and not db.session.scalar(
        select(Report.id).where(Report.post_id == reported.id)
    ):
        for key, reason in (("demo:a", ReportReason.COMMERCIAL), ("demo:b", ReportReason.SPAM)):
            db.session.add(
                Report(
                    post_id=reported.id,
                    reporter_key=key,
                    reason=reason,
                    text="Sieht nach einem Händler aus.",
                    created_at=now - timedelta(hours=1),
                )
            )


# Someone to read the evaluation figures at /admin, and eight weeks of a past for them to read:
# posts that went up, were marked "erledigt" or expired, some after waiting for a moderator.
DEMO_ADMIN = "verwaltung@example.org"
HISTORY_POSTS = 48
HISTORY_WEEKS = 8


def _ensure_history(
    categories: dict[str, Category], districts: list[District], residents: list[User], now: datetime
) -> None:
    from board.moderation.models import Action, ModerationAction

    admin = _ensure_user(DEMO_ADMIN, "Anton (Verwaltung)", "de", now)
    admin.role = Role.ADMIN
    moderator = _ensure_user(DEMO_MODERATOR, "Moritz (Moderation)", "de", now)
    db.session.flush()
    done = set(
        db.session.scalars(select(Post.source_ref).where(Post.source_ref.like("demo:past:%")))
    )
    lifetimes = current_app.config["LIFETIME_DAYS"]
    templates = [t for t in TEMPLATES if t.kind in (PostKind.OFFER, PostKind.REQUEST)]
    for number in range(HISTORY_POSTS):
        ref = f"demo:past:{number}"
        if ref in done:
            continue
        rng = random.Random(ref)
        template = templates[number % len(templates)]
        published_at = now - timedelta(hours=rng.uniform(24 * 5, 24 * 7 * HISTORY_WEEKS))
        expires_at = published_at + timedelta(days=lifetimes[template.kind.value])
        post = Post(
            kind=template.kind,
            category=categories[template.category],
            author=rng.choice(residents),
            source=PostSource.WEB,
            source_ref=ref,
            created_at=published_at,
            published_at=published_at,
            expires_at=expires_at,
            contact_count=rng.choice([0, 1, 1, 2, 3, 4]),
        )
        post.set_text(*_fill(template, rng, rng.choice(districts), published_at, None))
        # Most offers and requests find someone; the rest ran out (if their time is up).
        if rng.random() < 0.6 or expires_at > now:
            post.status = PostStatus.CLOSED
            post.closed_at = min(published_at + timedelta(hours=rng.uniform(6, 24 * 12)), now)
        else:
            post.status = PostStatus.EXPIRED
        post.status_changed_at = post.closed_at or expires_at
        db.session.add(post)
        db.session.flush()
        if number % 3 == 0:  # a newcomer's post: it waited for a moderator first
            queued = published_at - timedelta(hours=rng.uniform(0.5, 20))
            post.created_at = queued
            db.session.add_all(
                [
                    ModerationAction(
                        action=Action.HOLD, post=post, to_status="pending", created_at=queued
                    ),
                    ModerationAction(
                        action=Action.APPROVE,
                        actor=moderator,
                        post=post,
                        from_status="pending",
                        to_status="published",
                        created_at=published_at,
                    ),
                ]
            )


def _insert(rows: list[dict[str, Any]]) -> int:
    count = len(rows)
    if rows:
        # Core executemany: one multi-row INSERT per chunk, the columns' defaults still applied.
        db.session.execute(insert(Post.__table__), rows)
        rows.clear()
    return count


def _post_row(
    number: int,
    now: datetime,
    lifetimes: dict[str, int],
    categories: dict[str, Category],
    districts: list[District],
    organisations: dict[str, Organisation],
    residents: list[User],
    org_authors: dict[str, User],
) -> dict[str, Any]:
    """Post `number` of the demo town, the same text every time, its times relative to `now`."""
    rng = random.Random(f"{REF_PREFIX}{number}")
    template = TEMPLATES[number % len(TEMPLATES)]
    district = rng.choice(districts)
    event_start = event_end = None
    if template.kind is PostKind.EVENT:
        day = (now.astimezone(BERLIN) + timedelta(days=rng.randint(1, 42))).date()
        event_start = datetime.combine(day, time(rng.choice(EVENT_HOURS)), BERLIN)
        event_end = event_start + timedelta(hours=rng.choice([2, 3, 4]))
        age = timedelta(hours=rng.uniform(1, 24 * 10))
        expires_at = event_end
    else:
        lifetime = timedelta(days=lifetimes[template.kind.value])
        # Most posts are recent, a few have been up for most of their lifetime.
        age = min(timedelta(hours=rng.expovariate(1 / 80)), lifetime - timedelta(hours=6))
        expires_at = now - age + lifetime
    published_at = now - age
    title, body = _fill(template, rng, district, now, event_start)
    text = Post()  # set_text is the one place that knows how search text is made
    text.set_text(title, body)
    author = org_authors[template.org] if template.org else rng.choice(residents)
    # Most posts name their Ortsteil; those whose text mentions one always do.
    mentions_district = "{district}" in template.title + template.body
    district_id = district.id if mentions_district or rng.random() < 0.8 else None
    return {
        "kind": template.kind,
        "title": text.title,
        "body": text.body,
        "search_text": text.search_text,
        "category_id": categories[template.category].id,
        "district_id": district_id,
        "event_start_at": event_start,
        "event_end_at": event_end,
        "author_id": author.id,
        "organisation_id": organisations[template.org].id if template.org else None,
        "source": template.source,
        "source_ref": f"{REF_PREFIX}{number}",
        "status": PostStatus.PUBLISHED,
        "created_at": published_at - timedelta(minutes=rng.randint(1, 30)),
        "updated_at": published_at,
        "status_changed_at": published_at,
        "published_at": published_at,
        "expires_at": expires_at,
        "contact_count": rng.choice([0, 0, 0, 1, 1, 2, 3, 5]),
    }


def _fill(
    template: Template,
    rng: random.Random,
    district: District,
    now: datetime,
    event_start: datetime | None,
) -> tuple[str, str]:
    soon = now.astimezone(BERLIN) + timedelta(days=rng.randint(3, 21))
    values = {
        "district": district.name,
        "street": rng.choice(STREETS),
        "weekday": rng.choice(WEEKDAYS),
        "date": _day_in_words(soon.date()),
        "when": "",
        "n": rng.randint(2, 6),
    }
    if event_start is not None:
        day = _day_in_words(event_start.date())
        values["when"] = f"{day}, {event_start:%H} Uhr"
    return template.title.format(**values), template.body.format(**values)


@functools.lru_cache(maxsize=512)
def _day_in_words(day: date) -> str:
    """ "Samstag, 14. Juni" – the demo town speaks German."""
    return format_date(day, "EEEE, d. MMMM", locale="de")


def _ensure_categories() -> dict[str, Category]:
    return sync_categories(CATEGORIES)


def _ensure_districts() -> list[District]:
    found = sync_districts(DISTRICTS)
    return [found[slug] for slug, _ in DISTRICTS]


def _ensure_organisations(now: datetime) -> dict[str, Organisation]:
    found = {o.slug: o for o in db.session.scalars(select(Organisation))}
    for org in ORGANISATIONS:
        if org.slug not in found:
            found[org.slug] = Organisation(
                slug=org.slug,
                name=org.name,
                kind=org.kind,
                description=org.description,
                is_verified=True,
                created_at=now - timedelta(days=200),
            )
            db.session.add(found[org.slug])
    db.session.flush()
    return found


def _ensure_user(email: str, name: str, locale: str, now: datetime) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        joined = now - timedelta(days=90)
        user = User(
            email=email,
            display_name=name,
            role=Role.RESIDENT,
            locale=locale,
            created_at=joined,
            email_confirmed_at=joined,
            registered_at=joined,
        )
        db.session.add(user)
    return user


def _ensure_residents(now: datetime) -> list[User]:
    residents = []
    for first, family, locale in RESIDENTS:
        local = f"{first}.{family}".lower().replace("'", "")
        for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
            local = local.replace(umlaut, plain)
        residents.append(_ensure_user(f"{local}@example.org", f"{first} {family[0]}.", locale, now))
    db.session.flush()
    return residents


def _ensure_memberships(organisations: dict[str, Organisation], now: datetime) -> dict[str, User]:
    """Each organisation's posting member (its manager)."""
    authors = {}
    for org in ORGANISATIONS:
        user = _ensure_user(org.email, org.name[:80], "de", now)
        db.session.flush()
        organisation = organisations[org.slug]
        membership = db.session.scalar(
            select(Membership).filter_by(user_id=user.id, organisation_id=organisation.id)
        )
        if membership is None:
            db.session.add(Membership(user=user, organisation=organisation, is_manager=True))
        authors[org.slug] = user
    return authors
