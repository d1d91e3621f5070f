"""Words the generated sample sites are made of: countries, languages, trades, UI strings.

lang = LANGUAGES["de"]
lang.trades[0].name, lang.paths["legal"]  # ("Bäckerei", "impressum")
"""

# Data tables of real-world words: long lines and typographic dashes are intended.
# ruff: noqa: E501, RUF001

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Trade:
    slug: str  # ASCII, used in host names
    name: str  # display name
    schema_type: str  # schema.org LocalBusiness subtype
    services: tuple[str, ...]


@dataclass(frozen=True)
class NameWord:
    slug: str
    display: str
    compound: bool = False  # German compound: "Kiez" + "bäckerei" -> "Kiezbäckerei"


@dataclass(frozen=True)
class Country:
    suffix: str  # public suffix the host lives under
    region: str  # ISO 3166 region, as phonenumbers expects
    html_lang: str
    lang: str  # key into LANGUAGES
    cities: tuple[str, ...]
    weight: int


@dataclass(frozen=True)
class Language:
    code: str
    trade_first: bool  # "Boulangerie Lumière" rather than "Lumière Boulangerie"
    trades: tuple[Trade, ...]
    words: tuple[NameWord, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    corporate_locals: tuple[str, ...]
    streets: tuple[str, ...]
    street_format: str
    paths: Mapping[str, tuple[str, ...]]
    ui: Mapping[str, str]
    sentences: tuple[str, ...]
    post_titles: tuple[str, ...]


def _trades(rows: str) -> tuple[Trade, ...]:
    trades = []
    for row in rows.strip().splitlines():
        slug, name, schema_type, services = (part.strip() for part in row.split(";"))
        trades.append(Trade(slug, name, schema_type, tuple(services.split("|"))))
    return tuple(trades)


def _words(rows: str) -> tuple[NameWord, ...]:
    words = []
    for item in rows.split(","):
        slug, display = item.strip().split("=")
        compound = slug.endswith("+")
        words.append(NameWord(slug.rstrip("+"), display, compound))
    return tuple(words)


def _paths(**paths: str) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({key: tuple(value.split("|")) for key, value in paths.items()})


_UI_KEYS = (
    "home", "about", "services", "contact", "team", "blog", "legal", "privacy", "faq", "phone",
    "email", "address", "hours", "hours_text", "follow", "rights", "noreply_note",
    "agency_credit", "team_intro", "faq_email_q", "faq_email_a", "read_more", "tagline",
    "testimonials", "write_us", "form_email", "send", "html_sitemap", "not_found", "since",
)  # fmt: skip


def _ui(*values: str) -> Mapping[str, str]:
    if len(values) != len(_UI_KEYS):
        raise ValueError(f"expected {len(_UI_KEYS)} UI strings, got {len(values)}")
    return MappingProxyType(dict(zip(_UI_KEYS, values, strict=True)))


# fmt: off
ENGLISH = Language(
    code="en",
    trade_first=False,
    trades=_trades("""
        plumbing; Plumbing; Plumber; Emergency repairs|Boiler servicing|Leak detection|Bathroom fitting|Drain unblocking|Water heater installation
        dental; Dental; Dentist; Check-ups|Teeth whitening|Dental implants|Clear aligners|Hygienist visits|Emergency dentistry
        bakery; Bakery; Bakery; Sourdough bread|Celebration cakes|Morning pastries|Wholesale orders|Gluten-free range
        florist; Florist; Florist; Wedding flowers|Funeral tributes|Same-day delivery|Flower subscriptions|Event styling
        roofing; Roofing; RoofingContractor; Roof repairs|Flat roofs|Guttering|Chimney repairs|Skylight fitting
        accounting; Accounting; AccountingService; Bookkeeping|Tax returns|Payroll|Year-end accounts|Business advice
        vets; Vets; VeterinaryCare; Vaccinations|Dental care for pets|Microchipping|Pet surgery|Nutrition advice
    """),
    words=_words(
        "bluefinch=Bluefinch, harbour=Harbour, oakridge=Oakridge, copperleaf=Copperleaf, "
        "northgate=Northgate, riverside=Riverside, kingfisher=Kingfisher, greenway=Greenway, "
        "summit=Summit, maple-lane=Maple Lane, stonebridge=Stonebridge, silver-birch=Silver Birch, "
        "brightwater=Brightwater, redwood=Redwood, smith-and-sons=Smith & Sons, "
        "hale-and-co=Hale & Co, elmwood=Elmwood, foxglove=Foxglove, highfield=Highfield, "
        "lakeside=Lakeside"
    ),
    first_names=("sarah", "james", "emma", "oliver", "grace", "liam", "chloe", "noah", "amelia"),
    last_names=("jones", "taylor", "brown", "walsh", "patel", "murphy", "clarke", "hughes"),
    corporate_locals=("info", "hello", "contact", "office", "enquiries", "sales", "bookings"),
    streets=("High", "Church", "Mill", "Station", "Park", "Victoria", "Queen", "Market"),
    street_format="{number} {street} Street",
    paths=_paths(
        about="about|about-us|our-story",
        contact="contact|contact-us|get-in-touch",
        team="team|our-team|meet-the-team",
        legal="legal-notice",
        privacy="privacy-policy",
        services="services|what-we-do",
        blog="blog|news",
        faq="faq",
    ),
    ui=_ui(
        "Home", "About us", "Services", "Contact", "Our team", "Blog", "Legal notice",
        "Privacy policy", "FAQ", "Phone", "Email", "Address", "Opening hours",
        "Mon–Fri 8:00–18:00, Sat 9:00–13:00", "Follow us", "All rights reserved.",
        "Booking confirmations are sent from {email} – please do not reply to that address.",
        "Website by {agency}",
        "Meet the people behind {name}.",
        "Which email format should I use in the online form?",
        "Type your address as shown in this example:",
        "Read more", "{trade} in {city} since {year}", "What our customers say",
        "Write to us", "Your email", "Send", "Site map", "Page not found", "since",
    ),
    sentences=(
        "{name} has served {city} and the surrounding area since {year}.",
        "Our {service_lc} service is fast, friendly and fully insured.",
        "Every job starts with a free, no-obligation quote.",
        "We are a family-run {trade_lc} business with a reputation built on word of mouth.",
        "Ask us about {service_lc} – we are happy to advise.",
        "Customers across {city} trust us for {service_lc} and much more.",
        "Our team keeps up to date with the latest standards and training.",
        "We believe good work speaks for itself, and our reviews agree.",
    ),
    post_titles=(
        "{count} things to know about {service_lc}",
        "How to choose a {trade_lc} in {city}",
        "{service} explained: a guide for {year}",
        "Why {service_lc} matters more than you think",
        "Our {service_lc} checklist, part {n}",
        "Customer story: {service_lc} in {city}",
    ),
)

FRENCH = Language(
    code="fr",
    trade_first=True,
    trades=_trades("""
        boulangerie; Boulangerie; Bakery; Pain au levain|Viennoiseries|Pièces montées|Commandes pour entreprises|Gamme sans gluten
        cabinet-dentaire; Cabinet Dentaire; Dentist; Soins courants|Blanchiment|Implants dentaires|Orthodontie|Urgences dentaires
        plomberie; Plomberie; Plumber; Dépannage urgent|Entretien de chaudière|Recherche de fuite|Salle de bain|Débouchage
        fleuriste; Fleuriste; Florist; Mariages|Deuil|Livraison le jour même|Abonnements floraux|Décoration d'événements
        atelier; Atelier; HomeAndConstructionBusiness; Menuiserie sur mesure|Restauration de meubles|Cuisines|Escaliers
        expertise-comptable; Expertise Comptable; AccountingService; Tenue comptable|Déclarations fiscales|Paie|Conseil aux entreprises
    """),
    words=_words(
        "lumiere=Lumière, les-trois-chenes=Les Trois Chênes, du-vieux-port=du Vieux-Port, "
        "saint-martin=Saint-Martin, la-fontaine=La Fontaine, belle-epoque=Belle Époque, "
        "du-marche=du Marché, les-tilleuls=Les Tilleuls, dupont-et-fils=Dupont & Fils, "
        "beausoleil=Beausoleil, des-halles=des Halles, montmartre=Montmartre"
    ),
    first_names=("camille", "louis", "chloe", "hugo", "lea", "lucas", "manon", "jules"),
    last_names=("martin", "bernard", "dubois", "laurent", "moreau", "girard", "roux"),
    corporate_locals=("contact", "bonjour", "info", "accueil", "commandes"),
    streets=("de la République", "Victor Hugo", "des Lilas", "du Moulin", "Pasteur", "de la Gare"),
    street_format="{number} rue {street}",
    paths=_paths(
        about="a-propos|qui-sommes-nous",
        contact="contact|nous-contacter",
        team="equipe|notre-equipe",
        legal="mentions-legales",
        privacy="politique-de-confidentialite",
        services="prestations|nos-services",
        blog="actualites|blog",
        faq="faq",
    ),
    ui=_ui(
        "Accueil", "À propos", "Prestations", "Contact", "Notre équipe", "Actualités",
        "Mentions légales", "Politique de confidentialité", "FAQ", "Téléphone", "E-mail",
        "Adresse", "Horaires", "Du lundi au vendredi de 8h à 18h, le samedi de 9h à 13h",
        "Suivez-nous", "Tous droits réservés.",
        "Les confirmations sont envoyées depuis {email} – merci de ne pas y répondre.",
        "Site réalisé par {agency}",
        "Découvrez l'équipe de {name}.",
        "Quel format d'adresse e-mail utiliser dans le formulaire ?",
        "Saisissez votre adresse comme dans cet exemple :",
        "Lire la suite", "{trade} à {city} depuis {year}", "Ils nous font confiance",
        "Écrivez-nous", "Votre e-mail", "Envoyer", "Plan du site", "Page introuvable", "depuis",
    ),
    sentences=(
        "{name} accueille ses clients à {city} depuis {year}.",
        "Notre service « {service_lc} » est rapide et soigné.",
        "Chaque projet commence par un devis gratuit et sans engagement.",
        "Entreprise familiale, nous privilégions la qualité et la proximité.",
        "Parlez-nous de votre projet : {service_lc}, conseils, suivi.",
        "Nos clients de {city} nous recommandent pour {service_lc}.",
        "Notre équipe se forme régulièrement aux nouvelles normes.",
    ),
    post_titles=(
        "{count} conseils pour {service_lc}",
        "Bien choisir son artisan à {city}",
        "{service} : le guide {year}",
        "Pourquoi {service_lc} compte vraiment",
        "Notre check-list {service_lc}, épisode {n}",
    ),
)

GERMAN = Language(
    code="de",
    trade_first=True,
    trades=_trades("""
        baeckerei; Bäckerei; Bakery; Sauerteigbrot|Feingebäck|Hochzeitstorten|Frühstücksservice|Glutenfreie Backwaren
        zahnarztpraxis; Zahnarztpraxis; Dentist; Prophylaxe|Zahnaufhellung|Implantate|Kieferorthopädie|Notdienst
        sanitaer; Sanitär; Plumber; Heizungswartung|Rohrreinigung|Badsanierung|Wasserschäden|Notdienst rund um die Uhr
        malerbetrieb; Malerbetrieb; HousePainter; Innenanstrich|Fassaden|Tapezierarbeiten|Lackierarbeiten|Bodenbeläge
        steuerberatung; Steuerberatung; AccountingService; Buchhaltung|Jahresabschluss|Lohnabrechnung|Steuererklärung|Existenzgründung
        tischlerei; Tischlerei; HomeAndConstructionBusiness; Möbel nach Maß|Küchen|Treppen|Fenster und Türen|Reparaturen
    """),
    words=_words(
        "lindenhof=Lindenhof, sonnenschein=Sonnenschein, am-markt=am Markt, altstadt=Altstadt, "
        "kiez+=Kiez, rheinblick=Rheinblick, mueller=Müller, schmidt-und-soehne=Schmidt & Söhne, "
        "alpenblick=Alpenblick, stadt+=Stadt, eichenhain=Eichenhain, hafen+=Hafen"
    ),
    first_names=("anna", "lukas", "lea", "jonas", "marie", "felix", "sophie", "paul"),
    last_names=("mueller", "schmidt", "schneider", "fischer", "weber", "wagner", "becker"),
    corporate_locals=("info", "kontakt", "buero", "post", "service", "termine"),
    streets=("Haupt", "Schiller", "Goethe", "Linden", "Bahnhof", "Garten", "Kirch"),
    street_format="{street}straße {number}",
    paths=_paths(
        about="ueber-uns|wir",
        contact="kontakt",
        team="team|unser-team",
        legal="impressum",
        privacy="datenschutz",
        services="leistungen",
        blog="aktuelles|blog",
        faq="faq",
    ),
    ui=_ui(
        "Startseite", "Über uns", "Leistungen", "Kontakt", "Unser Team", "Aktuelles",
        "Impressum", "Datenschutz", "FAQ", "Telefon", "E-Mail", "Anschrift", "Öffnungszeiten",
        "Mo–Fr 7:00–18:00 Uhr, Sa 8:00–12:00 Uhr", "Folgen Sie uns", "Alle Rechte vorbehalten.",
        "Bestätigungen kommen von {email} – bitte antworten Sie nicht an diese Adresse.",
        "Webdesign: {agency}",
        "Lernen Sie das Team von {name} kennen.",
        "In welchem Format gebe ich meine E-Mail-Adresse ein?",
        "Bitte geben Sie Ihre Adresse wie im Beispiel ein:",
        "Weiterlesen", "{trade} in {city} seit {year}", "Das sagen unsere Kunden",
        "Schreiben Sie uns", "Ihre E-Mail", "Senden", "Sitemap", "Seite nicht gefunden", "seit",
    ),
    sentences=(
        "{name} ist seit {year} Ihr Ansprechpartner in {city}.",
        "Unser Angebot „{service}“ ist schnell, zuverlässig und fair kalkuliert.",
        "Jeder Auftrag beginnt mit einem kostenlosen Angebot.",
        "Als Familienbetrieb setzen wir auf Qualität und persönliche Beratung.",
        "Sprechen Sie uns an – zum Beispiel zum Thema {service}.",
        "Kundinnen und Kunden in {city} schätzen unsere Arbeit.",
        "Unser Team bildet sich regelmäßig weiter.",
    ),
    post_titles=(
        "{count} Tipps rund um {service}",
        "So finden Sie den richtigen Betrieb in {city}",
        "{service}: der Ratgeber {year}",
        "Warum {service} wichtig ist",
        "Checkliste {service}, Teil {n}",
    ),
)

SPANISH = Language(
    code="es",
    trade_first=True,
    trades=_trades("""
        panaderia; Panadería; Bakery; Pan de masa madre|Bollería|Tartas por encargo|Pedidos para empresas|Productos sin gluten
        clinica-dental; Clínica Dental; Dentist; Revisiones|Blanqueamiento|Implantes|Ortodoncia invisible|Urgencias
        fontaneria; Fontanería; Plumber; Reparaciones urgentes|Calderas|Detección de fugas|Reformas de baño|Desatascos
        floristeria; Floristería; Florist; Bodas|Coronas fúnebres|Entrega en el día|Suscripciones|Eventos
        asesoria; Asesoría; AccountingService; Contabilidad|Declaración de la renta|Nóminas|Asesoramiento fiscal
        peluqueria; Peluquería; HairSalon; Corte y peinado|Coloración|Tratamientos|Novias
    """),
    words=_words(
        "del-sol=del Sol, la-esquina=La Esquina, san-miguel=San Miguel, el-olivo=El Olivo, "
        "mediterraneo=Mediterráneo, hermanos-garcia=Hermanos García, la-alameda=La Alameda, "
        "del-puerto=del Puerto, santa-ana=Santa Ana, la-plaza=La Plaza"
    ),
    first_names=("lucia", "hugo", "martina", "pablo", "sofia", "alvaro", "carmen", "diego"),
    last_names=("garcia", "martinez", "lopez", "sanchez", "perez", "gomez", "ruiz"),
    corporate_locals=("info", "hola", "contacto", "pedidos", "administracion"),
    streets=("Mayor", "de la Paz", "del Carmen", "Real", "de Alcalá", "San Vicente"),
    street_format="Calle {street}, {number}",
    paths=_paths(
        about="sobre-nosotros|quienes-somos",
        contact="contacto",
        team="equipo",
        legal="aviso-legal",
        privacy="politica-de-privacidad",
        services="servicios",
        blog="blog|noticias",
        faq="preguntas-frecuentes",
    ),
    ui=_ui(
        "Inicio", "Sobre nosotros", "Servicios", "Contacto", "Equipo", "Blog", "Aviso legal",
        "Política de privacidad", "Preguntas frecuentes", "Teléfono", "Correo", "Dirección",
        "Horario", "Lunes a viernes de 9:00 a 19:00, sábados de 10:00 a 14:00", "Síguenos",
        "Todos los derechos reservados.",
        "Las confirmaciones llegan desde {email}; por favor, no respondas a esa dirección.",
        "Diseño web: {agency}",
        "Conoce al equipo de {name}.",
        "¿Qué formato de correo debo usar en el formulario?",
        "Escribe tu dirección como en este ejemplo:",
        "Leer más", "{trade} en {city} desde {year}", "Opiniones de clientes",
        "Escríbenos", "Tu correo", "Enviar", "Mapa del sitio", "Página no encontrada", "desde",
    ),
    sentences=(
        "{name} atiende a sus clientes en {city} desde {year}.",
        "Nuestro servicio de {service_lc} es rápido y cuidadoso.",
        "Cada trabajo empieza con un presupuesto gratuito y sin compromiso.",
        "Somos un negocio familiar que apuesta por la calidad y la cercanía.",
        "Pregúntanos por {service_lc}: te asesoramos sin compromiso.",
        "Clientes de toda {city} confían en nosotros.",
    ),
    post_titles=(
        "{count} consejos sobre {service_lc}",
        "Cómo elegir un buen profesional en {city}",
        "{service}: guía {year}",
        "Por qué importa {service_lc}",
        "Nuestra lista de {service_lc}, parte {n}",
    ),
)

DUTCH = Language(
    code="nl",
    trade_first=True,
    trades=_trades("""
        bakkerij; Bakkerij; Bakery; Zuurdesembrood|Gebak|Taarten op bestelling|Zakelijke bestellingen|Glutenvrij assortiment
        tandartspraktijk; Tandartspraktijk; Dentist; Controles|Tanden bleken|Implantaten|Orthodontie|Spoedhulp
        loodgieter; Loodgieter; Plumber; Spoedreparaties|Cv-ketel onderhoud|Lekdetectie|Badkamerrenovatie|Ontstoppen
        bloemen; Bloemen; Florist; Bruidsboeketten|Rouwwerk|Bezorging vandaag|Bloemenabonnement
        administratiekantoor; Administratiekantoor; AccountingService; Boekhouding|Belastingaangifte|Salarisadministratie|Advies
    """),
    words=_words(
        "de-molen=De Molen, het-anker=Het Anker, de-linde=De Linde, van-dijk=Van Dijk, "
        "zonnehof=Zonnehof, de-gracht=De Gracht, het-wapen=Het Wapen, de-kroon=De Kroon"
    ),
    first_names=("emma", "daan", "sanne", "lars", "fleur", "bram", "julia", "thijs"),
    last_names=("de-vries", "jansen", "bakker", "visser", "smit", "meijer", "mulder"),
    corporate_locals=("info", "contact", "administratie", "afspraken"),
    streets=("Kerk", "Molen", "Dorps", "Stations", "Heren", "Linden"),
    street_format="{street}straat {number}",
    paths=_paths(
        about="over-ons",
        contact="contact",
        team="ons-team|team",
        legal="colofon",
        privacy="privacyverklaring",
        services="diensten",
        blog="nieuws|blog",
        faq="veelgestelde-vragen",
    ),
    ui=_ui(
        "Home", "Over ons", "Diensten", "Contact", "Ons team", "Nieuws", "Colofon",
        "Privacyverklaring", "Veelgestelde vragen", "Telefoon", "E-mail", "Adres",
        "Openingstijden", "Ma–vr 8:00–18:00, za 9:00–13:00", "Volg ons",
        "Alle rechten voorbehouden.",
        "Bevestigingen komen van {email} – antwoorden op dat adres lezen we niet.",
        "Website door {agency}",
        "Maak kennis met het team van {name}.",
        "Welk e-mailformaat gebruik ik in het formulier?",
        "Vul uw adres in zoals in dit voorbeeld:",
        "Lees meer", "{trade} in {city} sinds {year}", "Wat klanten zeggen",
        "Schrijf ons", "Uw e-mail", "Versturen", "Sitemap", "Pagina niet gevonden", "sinds",
    ),
    sentences=(
        "{name} helpt klanten in {city} al sinds {year}.",
        "Onze dienst {service_lc} is snel, vakkundig en eerlijk geprijsd.",
        "Elke klus begint met een vrijblijvende offerte.",
        "Als familiebedrijf staan kwaliteit en service voorop.",
        "Vraag ons gerust naar {service_lc}.",
        "Klanten in heel {city} rekenen op ons.",
    ),
    post_titles=(
        "{count} tips over {service_lc}",
        "Zo kiest u een vakman in {city}",
        "{service}: de gids voor {year}",
        "Waarom {service_lc} belangrijk is",
        "Onze checklist {service_lc}, deel {n}",
    ),
)
# fmt: on

LANGUAGES: Mapping[str, Language] = MappingProxyType(
    {lang.code: lang for lang in (ENGLISH, FRENCH, GERMAN, SPANISH, DUTCH)}
)

COUNTRIES: tuple[Country, ...] = (
    Country("com", "US", "en-US", "en", ("Austin", "Denver", "Portland", "Madison", "Raleigh"), 26),
    Country("co.uk", "GB", "en-GB", "en", ("Leeds", "Bristol", "York", "Brighton", "Norwich"), 14),
    Country("com.au", "AU", "en-AU", "en", ("Perth", "Hobart", "Geelong", "Newcastle"), 5),
    Country("ca", "CA", "en-CA", "en", ("Halifax", "Calgary", "Victoria", "Ottawa"), 4),
    Country("ie", "IE", "en-IE", "en", ("Galway", "Cork", "Limerick"), 3),
    Country("co.nz", "NZ", "en-NZ", "en", ("Nelson", "Dunedin", "Napier"), 2),
    Country("net", "US", "en", "en", ("Tucson", "Omaha", "Spokane"), 3),
    Country("fr", "FR", "fr-FR", "fr", ("Lyon", "Nantes", "Lille", "Bordeaux", "Rennes"), 9),
    Country("be", "BE", "fr-BE", "fr", ("Liège", "Namur", "Mons"), 2),
    Country("de", "DE", "de-DE", "de", ("Leipzig", "Köln", "Freiburg", "Bremen", "Kassel"), 11),
    Country("at", "AT", "de-AT", "de", ("Graz", "Linz", "Salzburg"), 3),
    Country("ch", "CH", "de-CH", "de", ("Bern", "Luzern", "Winterthur"), 2),
    Country("es", "ES", "es-ES", "es", ("Valencia", "Sevilla", "Bilbao", "Málaga"), 5),
    Country("com.mx", "MX", "es-MX", "es", ("Puebla", "Mérida", "Querétaro"), 2),
    Country("nl", "NL", "nl-NL", "nl", ("Utrecht", "Haarlem", "Leiden", "Zwolle"), 5),
)

# Free mailbox providers, by language; every one is in FREE_EMAIL_PROVIDERS.
FREE_PROVIDERS_BY_LANG: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "en": ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "aol.com"),
        "fr": ("orange.fr", "free.fr", "laposte.net", "gmail.com", "hotmail.com"),
        "de": ("gmx.de", "web.de", "gmail.com", "proton.me"),
        "es": ("gmail.com", "hotmail.com", "outlook.com", "yahoo.com"),
        "nl": ("gmail.com", "live.com", "hotmail.com", "outlook.com"),
    }
)

# Companies that are not the site: web agencies and partners (addresses there are "unknown").
AGENCIES: tuple[tuple[str, str], ...] = (
    ("PixelForge Studio", "pixelforge-studio.co.uk"),
    ("Brightpath Digital", "brightpath-digital.com"),
    ("Nordlicht Webdesign", "nordlicht-webdesign.de"),
    ("Atelier Numérique", "atelier-numerique.fr"),
    ("Studio Pepper", "studiopepper.nl"),
    ("Webcraft Partners", "webcraft-partners.net"),
    ("Agencia Brisa", "agenciabrisa.es"),
)
UNKNOWN_LOCALS = ("hello", "support", "studio", "accounts", "press")

SOCIAL_PLATFORMS: tuple[str, ...] = (
    "facebook", "instagram", "linkedin", "x", "youtube", "tiktok", "pinterest",
)  # fmt: skip
