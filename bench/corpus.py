"""A synthetic news corpus, a pure function of (seed, article index).

Pages look like the ones dealwatch meets in the wild: 30-150 KB, most of it
boilerplate (navigation, mega menus, related stories, cookie banners, inline
scripts and JSON state, JSON-LD, footers), a story of 6-16 paragraphs in
English or Spanish, and in a share of them a deal stated in one plain
sentence. Nothing is written to disk: the loopback server builds each page
when it is asked for, from pieces prepared once per outlet, so a page costs
well under a millisecond and the baseline and the flow read identical bytes.
"""

from __future__ import annotations

import html
import json
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from functools import cached_property

MIN_PAGE_BYTES = 30_000
MAX_PAGE_BYTES = 150_000
EPOCH = datetime(2025, 1, 6, 6, 0, tzinfo=timezone.utc)
ARTICLE_PATH = re.compile(r"^/news/(\d+)-[a-z0-9-]+\.html$")
FEED_PATH = re.compile(r"^/feeds/(\d+)\.xml$")


@dataclass(frozen=True)
class Outlet:
    name: str
    slug: str
    language: str
    sections: tuple[str, ...]


OUTLETS = (
    Outlet("The Compute Ledger", "compute-ledger", "en", ("Chips", "Cloud", "Funding", "Policy", "Research")),
    Outlet("Silicon Wire", "silicon-wire", "en", ("Semiconductors", "Data Centers", "Deals", "Startups")),
    Outlet("Diario de la Nube", "diario-nube", "es", ("Nube", "Chips", "Inversión", "Startups", "Regulación")),
    Outlet("Frontier Markets AI", "frontier-markets", "en", ("Markets", "AI Labs", "Infrastructure", "Earnings")),
    Outlet("El Observador Digital", "observador-digital", "es", ("Tecnología", "Empresas", "Mercados", "IA")),
    Outlet("Datacenter Daily", "datacenter-daily", "en", ("Capacity", "Power", "Hyperscalers", "Hardware")),
    Outlet("Revista Silicio", "revista-silicio", "es", ("Semiconductores", "Centros de datos", "Capital riesgo")),
    Outlet("Model Weekly", "model-weekly", "en", ("Models", "Labs", "Funding", "Enterprise")),
)

# Who plays which part in a deal: money flows payer -> payee.
INVESTORS = ("Microsoft", "Amazon", "Google", "Nvidia", "SoftBank", "Mubadala", "MGX", "Tencent", "Alibaba", "G42")
INVESTEES = ("OpenAI", "Anthropic", "xAI", "Mistral", "Cohere", "Perplexity", "Databricks", "Scale AI", "Poolside",
             "Figure AI", "Safe Superintelligence", "Reflection AI", "Hugging Face", "Aleph Alpha")
CHIP_BUYERS = ("OpenAI", "Meta", "Microsoft", "xAI", "Anthropic", "CoreWeave", "Oracle", "Humain", "Nebius")
CHIP_MAKERS = ("Nvidia", "AMD", "Broadcom", "Intel", "Cerebras", "Groq", "Marvell")
COMPUTE_CUSTOMERS = ("OpenAI", "Anthropic", "Meta", "Microsoft", "xAI", "Mistral", "Cohere")
CLOUD_PROVIDERS = ("Oracle", "CoreWeave", "Nebius", "Amazon", "Google", "Microsoft", "Lambda", "Crusoe", "Nscale")
ROLES = {"investment": (INVESTORS, INVESTEES), "chip_supply": (CHIP_BUYERS, CHIP_MAKERS),
         "cloud_contract": (COMPUTE_CUSTOMERS, CLOUD_PROVIDERS)}

EN_AMOUNTS = ("$1 billion", "$1.5 billion", "$2 billion", "$2.5 billion", "$4 billion", "$6.3 billion",
              "$10 billion", "$12 billion", "$22.4 billion", "$38 billion", "$150 million", "$300 million",
              "$350 million", "$400 million", "$750 million")
ES_AMOUNTS = ("1.000 millones de dólares", "2.500 millones de dólares", "4.000 millones de dólares",
              "12.000 millones de dólares", "22.400 millones de dólares", "300 millones de dólares",
              "400 millones de euros", "1.300 millones de euros", "750 millones de euros", "2.000 millones de euros")

# One plain sentence per way of stating a deal: {p} payer, {q} payee, {a} amount.
DEAL_SENTENCES = {
    ("en", "investment"): (
        "{p} will invest {a} in {q}, the two companies said on {day}.",
        "{p} has agreed to invest {a} in {q} as part of a broader partnership.",
        "{p} invested {a} in {q}, according to a filing published this week.",
        "{p} is in talks to invest {a} in {q}, according to people familiar with the matter.",
    ),
    ("en", "chip_supply"): (
        "{p} signed a {a} agreement to buy AI chips from {q}.",
        "{p} will buy {a} worth of processors from {q} for its new data centers.",
        "{p} agreed to purchase {a} of accelerators from {q}, the companies announced on {day}.",
    ),
    ("en", "cloud_contract"): (
        "{p} signed a {a} contract with {q} for cloud computing capacity.",
        "{p} will pay {q} {a} for computing power over the next five years.",
        "{p} has agreed to a {a} cloud computing deal with {q}, the companies said on {day}.",
    ),
    ("es", "investment"): (
        "{p} invertirá {a} en {q}, según confirmaron ambas compañías el {day}.",
        "{p} ha acordado invertir {a} en {q} como parte de una alianza más amplia.",
        "{p} negocia invertir {a} en {q}, según fuentes cercanas a la operación.",
    ),
    ("es", "chip_supply"): (
        "{p} comprará chips de {q} por valor de {a}.",
        "{p} ha firmado un acuerdo de {a} para comprar procesadores de {q} para sus centros de datos.",
    ),
    ("es", "cloud_contract"): (
        "{p} ha firmado un contrato de {a} con {q} para obtener capacidad de computación en la nube.",
        "{p} pagará {a} a {q} por capacidad de cómputo durante los próximos cinco años.",
    ),
}
DEAL_HEADLINES = {
    "en": {"investment": "{p} backs {q} in new funding push", "chip_supply": "{p} lines up chips from {q}",
           "cloud_contract": "{p} turns to {q} for more computing capacity"},
    "es": {"investment": "{p} apuesta por {q} en su nueva ronda", "chip_supply": "{p} se abastece de chips de {q}",
           "cloud_contract": "{p} recurre a {q} para ganar capacidad de cómputo"},
}
DAYS = {"en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"),
        "es": ("lunes", "martes", "miércoles", "jueves", "viernes")}

# Story filler: sentences a news page wraps around its facts, with no deal in them.
FILLER = {
    "en": (
        "Demand for data center capacity has kept rising through the year, and analysts expect the trend to hold.",
        "Executives told investors that the build-out of new facilities would take several years.",
        "The announcement comes as companies race to secure power, land and cooling for large training clusters.",
        "Shares moved little in early trading as investors weighed the cost of the expansion.",
        "Several utilities have warned that grid connections for new campuses can take years to approve.",
        "Industry researchers say the price of training a frontier model has doubled roughly every year.",
        "The company did not disclose further financial details in its statement.",
        "Regulators in Europe and the United States are watching the sector more closely than before.",
        "Engineers at the site are testing liquid cooling systems designed for denser racks.",
        "Competition for experienced chip designers remains intense across the industry.",
        "A spokesperson declined to comment on the timeline beyond what was announced.",
        "Supply of high-bandwidth memory is expected to remain tight well into next year.",
        "The facility will draw most of its electricity from a mix of gas turbines and solar farms.",
        "Customers have asked for more regional capacity to keep their data within national borders.",
        "Software tools for running models more efficiently have become a fast-growing market of their own.",
        "Some economists question whether revenue from AI products can keep pace with the spending.",
        "The project is expected to create hundreds of construction jobs in the region.",
        "Earlier this year the company reorganised its infrastructure group under a single executive.",
        "Open-weight models have narrowed the gap with proprietary systems on several benchmarks.",
        "Local officials welcomed the plan but asked for guarantees on water use.",
        "The new systems are expected to come online in phases starting next spring.",
        "Analysts at several banks raised their estimates for capital spending across the sector.",
        "Startups building inference services say access to hardware is still their main constraint.",
        "The company said it remains committed to its safety research programme.",
        "Network equipment makers have also benefited from the wave of new construction.",
        "Prices for renting older generations of hardware have fallen in recent months.",
        "The board approved a new long-term plan at its meeting last quarter.",
        "Developers have been quick to adopt the latest coding assistants in their daily work.",
    ),
    "es": (
        "La demanda de capacidad en centros de datos no ha dejado de crecer este año y los analistas esperan que siga así.",
        "Los directivos explicaron a los inversores que la construcción de las nuevas instalaciones llevará varios años.",
        "El anuncio llega en plena carrera de las tecnológicas por asegurarse energía, terrenos y refrigeración.",
        "Las acciones apenas se movieron en las primeras horas de negociación.",
        "Varias eléctricas han advertido de que las conexiones a la red para nuevos campus tardan años en aprobarse.",
        "Los investigadores del sector calculan que el coste de entrenar un modelo puntero se duplica cada año.",
        "La compañía no detalló más cifras en su comunicado.",
        "Los reguladores de Europa y Estados Unidos vigilan el sector más de cerca que nunca.",
        "Los ingenieros prueban en la planta sistemas de refrigeración líquida para armarios más densos.",
        "La competencia por contratar diseñadores de chips con experiencia sigue siendo feroz.",
        "Un portavoz declinó hacer comentarios sobre el calendario más allá de lo anunciado.",
        "Se espera que el suministro de memoria de alto ancho de banda siga siendo escaso el año que viene.",
        "La instalación obtendrá la mayor parte de su electricidad de turbinas de gas y parques solares.",
        "Los clientes piden más capacidad regional para mantener sus datos dentro de las fronteras nacionales.",
        "Las herramientas para ejecutar modelos de forma más eficiente se han convertido en un mercado propio.",
        "Algunos economistas dudan de que los ingresos de los productos de IA puedan seguir el ritmo del gasto.",
        "El proyecto creará cientos de empleos en la construcción en la región.",
        "A principios de año la empresa reorganizó su división de infraestructura bajo un único responsable.",
        "Los modelos abiertos han reducido la distancia con los sistemas propietarios en varias pruebas.",
        "Las autoridades locales celebraron el plan, pero pidieron garantías sobre el consumo de agua.",
        "Los nuevos sistemas entrarán en funcionamiento por fases a partir de la próxima primavera.",
        "Los analistas de varios bancos elevaron sus previsiones de inversión en el sector.",
        "Las empresas emergentes de inferencia aseguran que el acceso al hardware sigue siendo su principal freno.",
        "La compañía aseguró que mantiene su compromiso con la investigación en seguridad.",
        "Los fabricantes de equipos de red también se han beneficiado de la ola de nuevas construcciones.",
        "Los precios del alquiler de generaciones anteriores de hardware han caído en los últimos meses.",
        "El consejo aprobó un nuevo plan a largo plazo en su reunión del último trimestre.",
        "Los desarrolladores han adoptado con rapidez los nuevos asistentes de programación.",
    ),
}
PLAIN_HEADLINES = {
    "en": ("Why the next wave of data centers is moving inland", "Power, not chips, is the new bottleneck",
           "Inside the race to cool ever denser racks", "What the latest model benchmarks do and do not show",
           "Regulators sharpen their focus on AI infrastructure", "The quiet boom in inference startups",
           "Memory makers brace for another tight year", "How open-weight models changed the market"),
    "es": ("Por qué los nuevos centros de datos se alejan de la costa", "La energía, y no los chips, es el nuevo cuello de botella",
           "La carrera por refrigerar armarios cada vez más densos", "Lo que dicen y lo que no las últimas pruebas de modelos",
           "Los reguladores ponen el foco en la infraestructura de IA", "El auge silencioso de las empresas de inferencia",
           "Los fabricantes de memoria se preparan para otro año de escasez", "Cómo los modelos abiertos cambiaron el mercado"),
}
BOILERPLATE_WORDS = {
    "en": ("Home", "Latest", "Subscribe", "Newsletters", "Events", "Podcasts", "About us", "Contact", "Advertise",
           "Careers", "Privacy policy", "Terms of use", "Cookie settings", "Sign in", "Most read", "Related stories",
           "Share on X", "Share on LinkedIn", "Copy link", "We use cookies to improve your experience.", "Accept all",
           "Sign up for our daily briefing", "Your email", "Advertisement", "Read more"),
    "es": ("Portada", "Última hora", "Suscríbete", "Boletines", "Eventos", "Pódcasts", "Quiénes somos", "Contacto",
           "Publicidad", "Empleo", "Política de privacidad", "Aviso legal", "Configuración de cookies", "Iniciar sesión",
           "Lo más leído", "Noticias relacionadas", "Compartir en X", "Compartir en LinkedIn", "Copiar enlace",
           "Usamos cookies para mejorar tu experiencia.", "Aceptar todas", "Recibe nuestro boletín diario",
           "Tu correo", "Publicidad", "Leer más"),
}


@dataclass(frozen=True)
class Deal:
    deal_type: str
    payer: str
    payee: str
    amount: str
    sentence: str


@dataclass(frozen=True)
class ArticleMeta:
    index: int
    feed: int
    outlet: Outlet
    title: str
    summary: str
    published_at: datetime
    path: str
    deal: Deal | None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().encode("ascii", "ignore").decode()).strip("-")[:60] or "story"


class Corpus:
    """``articles`` pages spread over ``feeds`` RSS 2.0 feeds of ``len(outlets)`` sites."""

    def __init__(self, seed: int, articles: int, feeds: int = 40, deal_share: float = 0.35,
                 outlets: tuple[Outlet, ...] = OUTLETS):
        if articles < 0 or feeds < 1:
            raise ValueError("articles must be >= 0 and feeds >= 1")
        self.seed, self.articles, self.feeds, self.deal_share = seed, articles, feeds, deal_share
        self.outlets = outlets

    # ---- what is where -------------------------------------------------------------------
    def outlet_of_feed(self, feed: int) -> Outlet:
        return self.outlets[feed % len(self.outlets)]

    def feed_of(self, index: int) -> int:
        return index % self.feeds

    def feeds_of(self, outlet: Outlet) -> list[int]:
        return [k for k in range(self.feeds) if self.outlet_of_feed(k) == outlet]

    def meta(self, index: int) -> ArticleMeta:
        """Everything about article ``index`` except its page body: cheap, used by feeds too."""
        rng = random.Random(f"{self.seed}/meta/{index}")
        feed = self.feed_of(index)
        outlet = self.outlet_of_feed(feed)
        lang = outlet.language
        deal = self._deal(rng, lang) if rng.random() < self.deal_share else None
        if deal:
            title = DEAL_HEADLINES[lang][deal.deal_type].format(p=deal.payer, q=deal.payee)
            summary = deal.sentence
        else:
            title = rng.choice(PLAIN_HEADLINES[lang])
            summary = rng.choice(FILLER[lang])
        published = EPOCH + timedelta(minutes=7 * index + rng.randrange(7))
        return ArticleMeta(index, feed, outlet, title, summary, published,
                           f"/news/{index}-{_slug(title)}.html", deal)

    def _deal(self, rng: random.Random, lang: str) -> Deal:
        deal_type = rng.choice(tuple(ROLES))
        payers, payees = ROLES[deal_type]
        payer = rng.choice(payers)
        payee = rng.choice([c for c in payees if c != payer])
        amount = rng.choice(EN_AMOUNTS if lang == "en" else ES_AMOUNTS)
        template = rng.choice(DEAL_SENTENCES[(lang, deal_type)])
        sentence = template.format(p=payer, q=payee, a=amount, day=rng.choice(DAYS[lang]))
        return Deal(deal_type, payer, payee, amount, sentence)

    # ---- bodies ------------------------------------------------------------------------------
    def feed_xml(self, feed: int, base_url: str) -> bytes:
        outlet = self.outlet_of_feed(feed)
        items = []
        for index in range(feed, self.articles, self.feeds):
            m = self.meta(index)
            link = base_url + m.path
            items.append(
                f"<item><title>{html.escape(m.title)}</title><link>{link}</link>"
                f"<guid isPermaLink=\"false\">{outlet.slug}-{index}</guid>"
                f"<pubDate>{format_datetime(m.published_at)}</pubDate>"
                f"<description>{html.escape(m.summary)}</description></item>")
        return (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>"
                f"<title>{html.escape(outlet.name)} #{feed}</title><link>{base_url}/</link>"
                f"<description>{html.escape(outlet.name)}</description><language>{outlet.language}</language>"
                + "".join(items) + "</channel></rss>\n").encode("utf-8")

    def page(self, index: int, base_url: str) -> bytes:
        m = self.meta(index)
        rng = random.Random(f"{self.seed}/page/{index}")
        parts = self._parts(m.outlet)
        lang = m.outlet.language
        body = self._story(m, rng)
        target = rng.randint(MIN_PAGE_BYTES, MAX_PAGE_BYTES)
        head = self._head(m, base_url)
        related = self._related(m, rng, base_url)
        core = [head, parts.header, body, related, parts.newsletter]
        room = max(0, target - sum(map(len, core)) - len(parts.footer))
        cards = self._cards(parts, rng, room // 2)
        state = self._state(parts, rng, room - room // 2)
        return "".join((
            f"<!DOCTYPE html>\n<html lang=\"{lang}\">\n", head, "<body class=\"article-page\">\n",
            parts.header, "<main id=\"content\">\n", body, related, cards, "</main>\n",
            parts.newsletter, parts.footer, state, "</body>\n</html>\n",
        )).encode("utf-8")

    def _head(self, m: ArticleMeta, base_url: str) -> str:
        url = base_url + m.path
        title = html.escape(m.title)
        ld = json.dumps({
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": m.title,
            "datePublished": m.published_at.isoformat(), "inLanguage": m.outlet.language,
            "author": {"@type": "Person", "name": "Staff"}, "mainEntityOfPage": url,
            "publisher": {"@type": "NewsMediaOrganization", "name": m.outlet.name},
        }, ensure_ascii=False)
        return (
            f"<head>\n<meta charset=\"utf-8\">\n<title>{title} | {html.escape(m.outlet.name)}</title>\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<meta name=\"description\" content=\"{html.escape(m.summary)}\">\n"
            f"<link rel=\"canonical\" href=\"{url}\">\n"
            f"<meta property=\"og:site_name\" content=\"{html.escape(m.outlet.name)}\">\n"
            f"<meta property=\"og:type\" content=\"article\">\n<meta property=\"og:title\" content=\"{title}\">\n"
            f"<meta property=\"article:published_time\" content=\"{m.published_at.isoformat()}\">\n"
            f"<script type=\"application/ld+json\">{ld}</script>\n"
            f"{self._parts(m.outlet).head_scripts}</head>\n")

    def _story(self, m: ArticleMeta, rng: random.Random) -> str:
        lang = m.outlet.language
        filler = FILLER[lang]
        paragraphs = [" ".join(rng.sample(filler, rng.randint(2, 4))) for _ in range(rng.randint(6, 16))]
        if m.deal:
            lead = 0 if rng.random() < 0.6 else 1
            paragraphs[lead] = m.deal.sentence + " " + paragraphs[lead]
        section = rng.choice(m.outlet.sections)
        byline = "By staff reporters" if lang == "en" else "Por la redacción"
        text = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
        share = self._parts(m.outlet).share_bar
        return (f"<article class=\"story\">\n<div class=\"kicker\"><a href=\"/section/{_slug(section)}\">"
                f"{html.escape(section)}</a></div>\n<h1>{html.escape(m.title)}</h1>\n"
                f"<p class=\"standfirst\">{html.escape(m.summary)}</p>\n"
                f"<div class=\"byline\"><span>{byline}</span> <time datetime=\"{m.published_at.isoformat()}\">"
                f"{m.published_at:%Y-%m-%d %H:%M}</time></div>\n{share}"
                f"<div class=\"story-body\">\n{text}</div>\n{share}</article>\n")

    def _related(self, m: ArticleMeta, rng: random.Random, base_url: str) -> str:
        heading = BOILERPLATE_WORDS[m.outlet.language][15]
        picks = [max(0, m.index - rng.randint(1, 400)) for _ in range(rng.randint(6, 12))]
        links = "".join(f"<li><a href=\"{base_url}/news/{i}-related.html\">{html.escape(rng.choice(PLAIN_HEADLINES[m.outlet.language]))}</a></li>"
                        for i in picks)
        return f"<aside class=\"related\"><h2>{heading}</h2><ul>{links}</ul></aside>\n"

    def _cards(self, parts: "_OutletParts", rng: random.Random, room: int) -> str:
        if room <= 0:
            return ""
        count = max(1, room // parts.card_size)
        start = rng.randrange(len(parts.cards))
        picked = [parts.cards[(start + k) % len(parts.cards)] for k in range(count)]
        return "<section class=\"more-stories\">\n" + "".join(picked) + "</section>\n"

    def _state(self, parts: "_OutletParts", rng: random.Random, room: int) -> str:
        count = max(1, room // parts.record_size)
        start = rng.randrange(len(parts.records))
        picked = [parts.records[(start + k) % len(parts.records)] for k in range(count)]
        return ("<script id=\"__STATE__\" type=\"application/json\">{\"stories\":[" + ",".join(picked)
                + "]}</script>\n<script>window.dataLayer=window.dataLayer||[];dataLayer.push({event:'pageview'});</script>\n")

    # ---- per-outlet furniture, built once ----------------------------------------------------
    def _parts(self, outlet: Outlet) -> "_OutletParts":
        return self._outlet_parts[outlet.slug]

    @cached_property
    def _outlet_parts(self) -> dict[str, "_OutletParts"]:
        return {o.slug: _OutletParts.build(o, random.Random(f"{self.seed}/outlet/{o.slug}")) for o in self.outlets}


@dataclass(frozen=True)
class _OutletParts:
    head_scripts: str
    header: str
    share_bar: str
    newsletter: str
    footer: str
    cards: tuple[str, ...]
    card_size: int
    records: tuple[str, ...]
    record_size: int

    @classmethod
    def build(cls, outlet: Outlet, rng: random.Random) -> "_OutletParts":
        words = BOILERPLATE_WORDS[outlet.language]
        headlines = PLAIN_HEADLINES[outlet.language]
        sections = outlet.sections

        def links(n: int, prefix: str) -> str:
            return "".join(f"<li><a href=\"/{prefix}/{_slug(rng.choice(headlines))}-{rng.randrange(10**6)}\">"
                           f"{html.escape(rng.choice(words + sections))}</a></li>" for _ in range(n))

        head_scripts = (
            "<link rel=\"stylesheet\" href=\"/static/css/site.css\">\n"
            "<script>(function(w,d){w.__cfg={site:'" + outlet.slug + "',ads:['top','mid','bottom'],"
            "consent:{version:3,vendors:[" + ",".join(str(rng.randrange(900)) for _ in range(120)) + "]}};"
            "})(window,document);</script>\n<script async src=\"/static/js/analytics.js\"></script>\n")
        nav = "".join(f"<li class=\"menu\"><a href=\"/section/{_slug(s)}\">{html.escape(s)}</a><ul>{links(12, _slug(s))}</ul></li>"
                      for s in sections)
        header = (f"<div class=\"cookie-banner\"><p>{words[19]}</p><button>{words[20]}</button>"
                  f"<a href=\"/cookies\">{words[12]}</a></div>\n"
                  f"<header class=\"site-header\"><a class=\"logo\" href=\"/\">{html.escape(outlet.name)}</a>"
                  f"<nav class=\"main-nav\"><ul>{nav}</ul></nav><a href=\"/login\">{words[13]}</a></header>\n"
                  f"<div class=\"ad-slot\" id=\"ad-top\">{words[23]}</div>\n")
        share_bar = (f"<div class=\"share\"><a href=\"#\">{words[16]}</a><a href=\"#\">{words[17]}</a>"
                     f"<a href=\"#\">{words[18]}</a></div>\n")
        newsletter = (f"<div class=\"newsletter\"><h3>{words[21]}</h3><form action=\"/subscribe\">"
                      f"<input type=\"email\" placeholder=\"{words[22]}\"><button>{words[2]}</button></form></div>\n")
        footer = (f"<footer class=\"site-footer\"><div class=\"most-read\"><h3>{words[14]}</h3><ol>{links(10, 'news')}</ol></div>"
                  f"<ul class=\"footer-links\">{links(40, 'info')}</ul><p>&copy; 2025 {html.escape(outlet.name)}</p></footer>\n")
        cards = tuple(
            f"<div class=\"card\"><a href=\"/news/{rng.randrange(10**6)}-{_slug(h)}.html\"><img src=\"/img/{rng.randrange(10**6)}.jpg\" "
            f"alt=\"\" loading=\"lazy\" width=\"320\" height=\"180\"><span class=\"card-section\">{html.escape(rng.choice(sections))}"
            f"</span><h3 class=\"card-title\">{html.escape(h)}</h3></a><span class=\"card-meta\">{words[24]}</span></div>\n"
            for h in (rng.choice(headlines) for _ in range(400)))
        records = tuple(json.dumps({"id": rng.randrange(10**7), "slug": _slug(h), "title": h, "section": rng.choice(sections),
                                    "img": f"/img/{rng.randrange(10**6)}.jpg", "views": rng.randrange(10**5)},
                                   ensure_ascii=False)
                        for h in (rng.choice(headlines) for _ in range(1500)))
        return cls(head_scripts, header, share_bar, newsletter, footer, cards,
                   sum(map(len, cards)) // len(cards), records, sum(map(len, records)) // len(records) + 1)
