"""Organisation names: alias folding, unknown organisations, roles, references."""

from __future__ import annotations

import pytest

from extractors.companies import (
    canonical_name,
    company_roles,
    find_companies,
    find_name_candidates,
    find_references,
)


@pytest.mark.parametrize(
    "surface,canonical",
    [
        ("AWS", "Amazon"),
        ("Amazon Web Services", "Amazon"),
        ("Amazon.com", "Amazon"),
        ("Azure", "Microsoft"),
        ("Microsoft Azure", "Microsoft"),
        ("Alphabet", "Google"),
        ("Google Cloud", "Google"),
        ("NVIDIA", "Nvidia"),
        ("Nvidia Corp.", "Nvidia"),
        ("Advanced Micro Devices", "AMD"),
        ("OpenAI Group PBC", "OpenAI"),
        ("the ChatGPT maker", "OpenAI"),
        ("el creador de ChatGPT", "OpenAI"),
        ("El creador del asistente Claude", "Anthropic"),
        ("Meta Platforms", "Meta"),
        ("SoftBank Group Corp.", "SoftBank"),
        ("Trump administration", "US Government"),
        ("gobierno de EE.UU.", "US Government"),
        ("Washington", "US Government"),
        ("Lambda Labs", "Lambda"),
        ("Group 42", "G42"),
        ("Trainium", "Amazon"),
        # spacing and case variants of a known name, an investment arm, a translated long name
        ("MercadoLibre", "Mercado Libre"),
        ("Telefonica", "Telefónica"),
        ("AMD Ventures", "AMD"),
        ("Fondo de Inversión Pública", "PIF"),
        # unknown names come back cleaned
        ("Qwerty Robotics Inc.", "Qwerty Robotics"),
        ("Lumen Labs, Inc.", "Lumen Labs"),
        ("  Xyla   Corp. ", "Xyla"),
        ("Foo AG", "Foo"),
    ],
)
def test_canonical_name(surface: str, canonical: str) -> None:
    assert canonical_name(surface) == canonical


@pytest.mark.parametrize(
    "text,names",
    [
        ("OpenAI signed a deal with Amazon Web Services (AWS).", ["OpenAI", "Amazon", "Amazon"]),
        ("El creador de ChatGPT firmó con Amazon.", ["OpenAI", "Amazon"]),
        ("Microsoft's Azure cloud and Google's TPUs", ["Microsoft", "Microsoft", "Google", "Google"]),
        ("Washington se queda con el 9,9 % de Intel.", ["US Government", "Intel"]),
        # a place name is no government after a preposition, nor in "Washington-based"
        ("Data centers in Washington and a Washington-based startup", []),
        ("Una fábrica en Estados Unidos", []),
        # organisations the table does not know, introduced by the way news writes them
        ("Accel invested in the startup Lovable last year.", ["Accel", "Lovable"]),
        ("la startup sueca Lovable recaudó fondos", ["Lovable"]),
        ("Qwerty Robotics Inc. raised money", ["Qwerty Robotics"]),
        ("Xyla, a chipmaker based in Austin, said", ["Xyla"]),
        ("la firma Cosmos anunció", ["Cosmos"]),
        ("la startup Vértice busca fondos", ["Vértice"]),  # accented letters belong to the name
        # a place's "-based" before a name qualifies it, it is not part of it
        ("Lagos-based Kudi AI signed a deal.", ["Kudi AI"]),
        ("the holding Quiñenco anunció", ["Quiñenco"]),
        # outlets spell a known name of several parts joined, spaced or in another case
        ("Softbank y Mercadolibre firmaron con Open AI.", ["SoftBank", "Mercado Libre", "OpenAI"]),
        # a known company's investment arm is the company ("AMD Ventures", "Nvidia Capital")
        ("Nvidia Capital and Samsung Ventures led the round.", ["Nvidia", "Samsung"]),
        # lower-case words and sentence openers are no names
        ("The company said on Monday that its arm would grow.", []),
    ],
)
def test_find_companies(text: str, names: list[str]) -> None:
    found = find_companies(text)
    assert [c.name for c in found] == names
    for c in found:
        assert text[c.start : c.end] == c.surface


@pytest.mark.parametrize(
    "text,name,role",
    [
        ("Xyla, a chipmaker based in Austin, said", "Xyla", "chip_maker"),
        ("the cloud provider Zephyr signed", "Zephyr", "cloud_provider"),
        ("la startup Lovable", "Lovable", "startup"),
        ("the investment fund Orion Capital", "Orion Capital", "investor"),
    ],
)
def test_roles_of_unknown_organisations(text: str, name: str, role: str) -> None:
    [c] = [c for c in find_companies(text) if c.name == name]
    assert role in c.roles


@pytest.mark.parametrize(
    "name,role",
    [("Nvidia", "chip_maker"), ("Broadcom", "chip_maker"), ("CoreWeave", "cloud_provider"), ("Amazon", "cloud_provider"),
     ("Oracle", "cloud_provider"), ("OpenAI", "ai_lab"), ("Anthropic", "ai_lab"), ("SoftBank", "investor"), ("MGX", "investor"),
     ("US Government", "government")],
)
def test_known_roles(name: str, role: str) -> None:
    assert role in company_roles(name)


def test_unknown_name_has_no_roles() -> None:
    assert company_roles("Qwerty Robotics") == frozenset()


@pytest.mark.parametrize(
    "text,surface,kind,role",
    [
        ("Amazon invested in the startup. The startup will use it.", "The startup", "definite", "startup"),
        ("The chipmaker said", "The chipmaker", "definite", "chip_maker"),
        ("the cloud unit's Trainium chips", "the cloud unit", "definite", "cloud_provider"),
        ("The Abu Dhabi company will run its apps", "The Abu Dhabi company", "definite", None),
        ("el grupo japonés planea invertir", "el grupo japonés", "definite", None),
        ("la empresa de inteligencia artificial", "la empresa de inteligencia artificial", "definite", "ai_lab"),
        # a place of several words after "de" belongs to the description
        ("el fabricante de Santa Clara desembolsaría", "el fabricante de Santa Clara", "definite", "chip_maker"),
        ("la tecnológica de Mountain View invertirá", "la tecnológica de Mountain View", "definite", None),
        ("Esa empresa invertirá", "Esa empresa", "definite", None),
        ("The Dutch maker of chip tools said", "The Dutch maker", "definite", None),
        ("Amazon, which invested", "which", "relative", None),
        ("Anthropic, the rival in which it has invested", "which", "object_relative", None),
        ("en CoreWeave, lo que utilizó para comprar chips", "lo que utilizó", "recipient", None),
        ("Microsoft, que conserva", "que", "relative", None),
        # trades the table does not record: any organisation it does not know as something else may be meant
        ("La operadora alquilará capacidad", "La operadora", "definite", "telecom"),
        ("the carrier will lease servers", "the carrier", "definite", "telecom"),
        ("La fintech brasileña comprará GPU", "La fintech brasileña", "definite", "bank"),
        # a nationality alone is a company; a Spanish clitic is the party the verb does something for
        ("alquilará capacidad a la británica por 400 millones", "la británica", "definite", None),
        ("se comprometió a comprarle chips", "le", "clitic", None),
        ("G42 le venderá servidores", "le", "clitic", None),
    ],
)
def test_find_references(text: str, surface: str, kind: str, role: str | None) -> None:
    refs = [r for r in find_references(text) if r.surface == surface]
    assert refs, find_references(text)
    assert (refs[0].kind, refs[0].role) == (kind, role)
    assert text[refs[0].start : refs[0].end] == surface


@pytest.mark.parametrize(
    "text",
    [
        "the startup Lovable",  # an apposition: the name is the mention
        "Amazon es el mayor inversor de la empresa",  # "el mayor inversor" is a predicate
        "dijo que la demanda crece",  # "que" without a comma is a conjunction
    ],
)
def test_not_references(text: str) -> None:
    kinds = {(r.surface, r.kind) for r in find_references(text)}
    assert ("the startup", "definite") not in kinds
    assert ("que", "relative") not in kinds
    assert not any(r.surface.startswith("el mayor") for r in find_references(text))


@pytest.mark.parametrize(
    "text,unwanted",
    [
        ("la británica Arm anunció un acuerdo", ("la británica", "definite")),  # an apposition: the name is the mention
        ("la emiratí Khazna firmó", ("la emiratí", "definite")),
        ("Es posible que la empresa hable con el regulador", ("le", "clitic")),  # "posible", "hable" hold no clitic
        ("The company will sell chips to Microsoft", ("le", "clitic")),  # English has none
    ],
)
def test_not_clitics_or_nationalities(text: str, unwanted: tuple[str, str]) -> None:
    assert unwanted not in {(r.surface, r.kind) for r in find_references(text, "en" if text.startswith("The") else "es")}


def test_name_candidates_skip_people_places_and_known_names() -> None:
    text = "Sam Altman, chief executive of OpenAI, said Orbitel Tech would build in Texas. Under the plan, Quarzo buys."
    names = [c.name for c in find_name_candidates(text)]
    assert names == ["Orbitel Tech", "Quarzo"]


@pytest.mark.parametrize(
    "text,names",
    [
        # capitalised only because they open a sentence
        ("De cerrarse, el contrato daría trabajo a Quantix.", ["Quantix"]),
        ("Without the deal, Helion would struggle.", ["Helion"]),
        # demonstratives and quantifiers opening a sentence are no names either
        ("Ese vehículo compraría chips a Quantix.", ["Quantix"]),
        ("Ninguna de las dos firmas habló con Helion.", ["Helion"]),
        ("Those funds will back Corvex.", ["Corvex"]),
        ("Existing investors also joined Lumen.", ["Lumen"]),
        # people: after "founded by" / "fundada por", the rest of their list, and given names
        ("Lumen, fundada en 2021 por Carla Ortiz, Pedro Salas y Iñigo Berrueta, crece.", ["Lumen"]),
        ("Corvex was co-founded by Hannah Reyes and Tomasz Wilk in Austin.", ["Corvex"]),
        ("Sarah Kowalski said Orbitel Tech would sign.", ["Orbitel Tech"]),
        # a function word inside a sentence is part of a name
        ("Analysts at De Beers Group said so.", ["De Beers"]),
        # a nationality adjective or a currency code alone is no name; inside a longer name it stays
        ("The order came from Norwegian GPU cloud Vestby.", ["Vestby"]),
        ("The Danish Growth Fund backs Vestby.", ["Danish Growth Fund", "Vestby"]),
        ("Vestby paid NOK 2bn and SEK 1bn for it.", ["Vestby"]),
        ("Vestby ampliará a USD 40 millones su contrato con Nubix.", ["Vestby", "Nubix"]),
        # "Silicon" may end a name (alone it is no name)
        ("The deal with Ardent Silicon closed in Silicon Valley.", ["Ardent Silicon"]),
    ],
)
def test_name_candidates_skip_function_words_and_people(text: str, names: list[str]) -> None:
    assert [c.name for c in find_name_candidates(text)] == names


def test_reference_modifiers_never_start_with_a_determiner() -> None:
    refs = find_references("The deal gives the chip leader roughly 3% of the shares.")
    assert [(r.surface, r.role) for r in refs] == [("the chip leader", "chip_maker")]


@pytest.mark.parametrize(
    "text,names",
    [
        ("La compañía de Dario Amodei firmó con la empresa que dirige Jensen Huang.", ["Anthropic", "Nvidia"]),
        ("Lisa Su's company will supply the startup led by Sam Altman.", ["AMD", "OpenAI"]),
        ("la tecnológica fundada por Larry Ellison", ["Oracle"]),
        # a leader's name alone is a person, not a party; a surname two leaders share names nobody
        ("Nvidia chief executive Jensen Huang spoke.", ["Nvidia"]),
        ("la empresa de Tan anunció un acuerdo", []),
        ("Sam Altman dijo que la compañía crecerá.", []),
        # leaders the table does not know, told by the article itself before the description
        ("Ana Ortiz, consejera delegada de Kestrel Semiconductor, habló. La compañía dirigida por Ana Ortiz compró chips.",
         ["Kestrel Semiconductor", "Kestrel Semiconductor"]),
        ("Helio Computing chief executive Priya Raman said the lab run by Priya Raman would grow.",
         ["Helio Computing", "Helio Computing"]),
        ("Zentra, the robotics lab co-founded by former Google researcher Mira Kowalski, grew. Kowalski's lab hired.",
         ["Zentra", "Google", "Zentra"]),
        ("El presidente de Kestrel Semiconductor, Iván Soler, habló. La empresa de Iván Soler crecerá.",
         ["Kestrel Semiconductor", "Kestrel Semiconductor"]),
        # no organisation told for the person: the description names nobody
        ("Priya Raman said the lab run by Priya Raman would grow.", []),
    ],
)
def test_companies_named_by_their_leader(text: str, names: list[str]) -> None:
    assert [c.name for c in find_companies(text)] == names


@pytest.mark.parametrize(
    "text,unwanted",
    [
        # a place of several words is one place: none of its words is left over as a name
        ("La empresa crecerá en América Latina y Arabia Saudita.", ["Latina", "Saudita"]),
        ("Tiene oficinas en los Emiratos Árabes Unidos y en Nuevo León.", ["Árabes Unidos", "León", "Nuevo León"]),
        # a name never runs over a line break
        ("Vende chips a AMD\n\nLumo Labs amplió su plantilla.", ["AMD\n\nLumo Labs"]),
    ],
)
def test_name_candidates_leave_places_whole(text: str, unwanted: list[str]) -> None:
    names = [c.name for c in find_name_candidates(text)]
    assert not set(names) & set(unwanted), names


def _article_names(text: str) -> list[tuple[str, str]]:
    from extractors.mentions import article_mentions

    names, weak, _, _ = article_mentions(text, None)
    return sorted((text[c.start : c.end], c.name) for c in names + weak)


@pytest.mark.parametrize(
    "text,expected",
    [
        # a long name with its acronym in brackets is one organisation, named later by either
        (
            "Quarzo recibió fondos de la Agencia Nacional de Inversión Tecnológica (ANIT). La Agencia Nacional de Inversión Tecnológica invierte poco.",
            [("Agencia Nacional de Inversión Tecnológica", "ANIT"), ("Agencia Nacional de Inversión Tecnológica (ANIT)", "ANIT"), ("Quarzo", "Quarzo")],
        ),
        # the name starts after the list joint, not at the first capital
        (
            "con Iberdrola, BBVA y la Sociedad Española para la Transformación Tecnológica (SETT).",
            [("BBVA", "BBVA"), ("Iberdrola", "Iberdrola"), ("Sociedad Española para la Transformación Tecnológica (SETT)", "SETT")],
        ),
        # a translated long name takes the known acronym's name
        ("El Fondo Soberano de Arabia Saudí (PIF) y Lumen firmaron.", [("Fondo Soberano de Arabia Saudí (PIF)", "PIF"), ("Lumen", "Lumen")]),
        # the head of a fuller name with a generic tail is that organisation
        (
            "Nordwind Capital led the round. Nordwind said the deal closed.",
            [("Nordwind", "Nordwind Capital"), ("Nordwind Capital", "Nordwind Capital")],
        ),
        # ... but not when the words left out name something else
        ("Orion Health signed with Oracle. Orion said so.", [("Oracle", "Oracle"), ("Orion", "Orion"), ("Orion Health", "Orion Health")]),
        # spacing variants of a name the table does not know fold to the first spelling
        (
            "QuantumBit raised money. Later Quantum Bit hired staff.",
            [("Quantum Bit", "QuantumBit"), ("QuantumBit", "QuantumBit")],
        ),
        # one word with a bracketed ticker is no definition
        ("Nvidia (NVDA) rose.", [("NVDA", "NVDA"), ("Nvidia", "Nvidia")]),
    ],
)
def test_article_names_fold_to_one_organisation(text: str, expected: list[tuple[str, str]]) -> None:
    assert _article_names(text) == expected
