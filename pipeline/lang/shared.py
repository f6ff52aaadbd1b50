"""Language-independent data that the language modules build on (as spaCy's ``lang/char_classes.py``).

Not a language: nothing reads this module directly. Each language module takes what
applies to it into its own fields (``EXAMPLE_PLATFORMS = shared.PLATFORMS + (...)``),
so what a language uses is always what its module says.
"""

# English month names survive machine translation ("September 25, 2020" in a Polish text).
MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
               "september", "october", "november", "december")

# Platforms named as channels everywhere ("a Facebook page"): never a cited example. Names of
# five or more letters also match their inflections and compounds (Twitterze, Twitteraccount).
PLATFORMS = ("facebook", "twitter", "instagram", "linkedin", "youtube", "pinterest", "tiktok", "snapchat",
             "whatsapp", "tumblr", "google", "reddit", "flickr", "myspace", "telegram", "messenger",
             "threads", "vimeo", "quora", "blogger", "wordpress", "foursquare", "wechat",
             "weibo", "skype", "gmail", "outlook", "twitch", "discord", "clubhouse", "x", "vk", "line",
             "fb", "ig", "yt")

# Organisation words ending (or starting) a capitalised name, in English, which names keep
# in every language ("Harris Interactive", "Institute for Business Value").
ORG_SUFFIXES = ("institute", "airlines", "airline", "airways", "consulting", "consultancy", "interactive",
                "group", "partners", "inc", "ltd", "llc", "gmbh", "bv", "corp", "corporation", "company", "co",
                "agency", "research", "labs", "lab", "bank", "university", "foundation",
                "associates", "solutions", "technologies", "software", "systems", "news", "times", "journal",
                "magazine", "review", "association", "council", "insights", "analytics", "motors", "foods",
                "pharma", "studios", "media group", "holdings", "international", "ventures", "capital")

# Generic marketing and technical acronyms: terms, not cited names.
GENERIC_ACRONYMS = ("b2b", "b2c", "c2c", "seo", "sem", "smm", "sma", "crm", "roi", "kpi", "cta", "pr", "pdf", "rss",
                    "html", "url", "faq", "ceo", "cmo", "cto", "vip", "tv", "usd", "eur", "it", "ai", "api", "sms",
                    "dm", "gif", "www", "ugc", "ux", "ui", "saas", "smb", "sme", "womm", "wom", "ewom", "ppc", "cpc",
                    "cpm", "ctr", "ar", "vr", "qr", "gps", "pc", "etc", "ok", "a-z", "diy", "hr", "b2g", "d2c",
                    "ecommerce", "gdpr", "q&a", "pos", "sku", "cms", "hd", "4k", "3d", "usp")

# Lower-case words that may join capitalised words of one name ("Institute for Business Value").
NAME_CONNECTORS = ("of", "for", "the", "van", "de", "der", "den", "von", "du", "la", "le", "da", "del", "y",
                   "ter", "ten")
# Name particles: they join only a last surname ("Peter-Paul van Bentum", not "X van Bureau Online").
NAME_PARTICLES = ("van", "de", "der", "den", "von", "du", "la", "le", "da", "del", "y", "ter", "ten")

# English words that join names in a list ("M & Ms, Snickers and Mars").
CONJUNCTIONS = ("and", "or", "&")

# English endings of loanwords ("Marketing" / "marketingu" aside): a capitalised word whose form
# with one of these endings the document writes in lower case is a common word.
WORD_ENDINGS = ("s", "es", "ing")

# English labels of a closing list of sources.
SOURCE_LIST_LABELS = ("sources", "source", "references", "bibliography")
