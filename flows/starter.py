"""``dealwatch init``: a starter config with curated real feeds."""

from __future__ import annotations

from pathlib import Path

from flows.config import ConfigError

STARTER_CONFIG = """\
# dealwatch configuration. Reference: README.md, section "Configuration".
# Each [[feeds]] is an RSS 2.0, RSS 1.0 or Atom feed; `language` is a hint
# ("en" or "es") used when a page does not say its own language.

# --- English: tech press ---------------------------------------------------
[[feeds]]   # TechCrunch, AI section: funding rounds and big-tech AI deals
url = "https://techcrunch.com/category/artificial-intelligence/feed/"
name = "TechCrunch AI"
language = "en"

[[feeds]]   # The Verge, AI section: company news, chips and cloud agreements
url = "https://www.theverge.com/rss/ai-artificial-intelligence/index.xml"
name = "The Verge AI"
language = "en"

[[feeds]]   # VentureBeat AI: enterprise AI, infrastructure and compute contracts
url = "https://venturebeat.com/category/ai/feed/"
name = "VentureBeat AI"
language = "en"

[[feeds]]   # Ars Technica, technology: chips, data centers, policy
url = "https://feeds.arstechnica.com/arstechnica/technology-lab"
name = "Ars Technica"
language = "en"

# --- English: business press -----------------------------------------------
[[feeds]]   # CNBC Technology: deal figures, investment rounds, stakes
url = "https://www.cnbc.com/id/19854910/device/rss/rss.html"
name = "CNBC Technology"
language = "en"

# --- English: company newsrooms (first-hand announcements) -----------------
[[feeds]]   # OpenAI news: partnerships, compute agreements
url = "https://openai.com/news/rss.xml"
name = "OpenAI News"
language = "en"

[[feeds]]   # NVIDIA newsroom: investments and supply agreements
url = "https://nvidianews.nvidia.com/releases.xml"
name = "NVIDIA Newsroom"
language = "en"

[[feeds]]   # Microsoft's official blog: Azure and partner announcements
url = "https://blogs.microsoft.com/feed/"
name = "Microsoft Blog"
language = "en"

# --- Spanish -----------------------------------------------------------------
[[feeds]]   # El País, Tecnología
url = "https://feeds.elpais.com/mrss-s/pages/ep/site/elpais.com/section/tecnologia/portada"
name = "El País Tecnología"
language = "es"

[[feeds]]   # Xataka: tecnología e inteligencia artificial
url = "https://www.xataka.com/feedburner.xml"
name = "Xataka"
language = "es"

[[feeds]]   # elEconomista.es, Tecnología: negocios e inversiones
url = "https://www.eleconomista.es/rss/rss-tecnologia.php"
name = "elEconomista Tecnología"
language = "es"

[[feeds]]   # Hipertextual: tecnología y empresas
url = "https://hipertextual.com/feed"
name = "Hipertextual"
language = "es"

[fetch]
# Loopback and private addresses are refused unless this is true.
allow_private_networks = false
# Identify yourself to the sites you read.
user_agent = "dealwatch/0.1 (+https://github.com/dealwatch/dealwatch)"
# Be polite: seconds between requests to one site, requests in flight per site,
# and robots.txt rules for article pages.
per_host_delay = 0.5
max_per_host = 2
respect_robots_txt = true

[alerts]
# Where alerts go: jsonl://PATH appends JSON lines; http(s):// URLs receive a
# JSON POST; other schemes are apprise URLs (slack://, discord://, mailto://).
# Write secrets as ${ENV_VAR}: they are expanded when sending, never stored.
urls = ["jsonl://alerts.jsonl"]
"""


def write_starter_config(path: Path) -> Path:
    if path.exists():
        raise ConfigError(path, "already exists; not overwriting it (choose another file name)")
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(STARTER_CONFIG)
    except FileExistsError:
        raise ConfigError(path, "already exists; not overwriting it (choose another file name)") from None
    except OSError as exc:
        raise ConfigError(path, f"cannot write: {exc.strerror or exc}") from None
    return path
