"""First names, to notice a colleague named without an @-mention (SPEC: blame-free rule 1).

The list is gender-guesser's name dictionary (about 48,000 first names with how common
each is per country), read from the installed package. Only names in use in the
countries our customers' reps write from (Europe, the Americas, India, Turkey and the
Arab world) are kept: the dictionary's East Asian romanisations ("Le", "Da", "So") are
everyday words in the languages we support. Names that are also common words in those
languages ("Will", "Max", "Per", "Gentile") are listed in COMMON and never count as a name
on their own; a workspace's real people are matched separately (domain.redact).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

# Column of each country in the dictionary's frequency field (gender_guesser.detector).
_COUNTRIES = [
    "great_britain",
    "ireland",
    "usa",
    "italy",
    "malta",
    "portugal",
    "spain",
    "france",
    "belgium",
    "luxembourg",
    "the_netherlands",
    "east_frisia",
    "germany",
    "austria",
    "swiss",
    "iceland",
    "denmark",
    "norway",
    "sweden",
    "finland",
    "estonia",
    "latvia",
    "lithuania",
    "poland",
    "czech_republic",
    "slovakia",
    "hungary",
    "romania",
    "bulgaria",
    "bosniaand",
    "croatia",
    "kosovo",
    "macedonia",
    "montenegro",
    "serbia",
    "slovenia",
    "albania",
    "greece",
    "russia",
    "belarus",
    "moldova",
    "ukraine",
    "armenia",
    "azerbaijan",
    "georgia",
    "the_stans",
    "turkey",
    "arabia",
    "israel",
    "china",
    "india",
    "japan",
    "korea",
    "vietnam",
    "other_countries",
]
_KEPT = frozenset(
    i
    for i, country in enumerate(_COUNTRIES)
    if country not in {"china", "japan", "korea", "vietnam"}
)
MIN_LENGTH = 3

# Words of the supported languages (and of sales work) that are also first names.
_COMMON = """
    will may june april august mark max per nur man one jan mac les elle tim gentile lo mo
    de di da ma su si le il la un une on so don dan art bill chase grant page price rich
    rose summer winter dawn joy hope faith grace frank earl guy jack ray sky sunny wade
    amber angel clay dale dean drew glen gene ivy jade jay kay lee lane neil pat rob sage
    sue ted van victor walker young ward hunter mason porter taylor baker banks bell cole
    carter cash gay honey holly iris jean lily major miles penny ruby star storm violet
    sal sol luz paz mar cruz rosa clara blanca dolores pilar amparo consuelo mercedes
    santos angeles rocio nieves gloria victoria fe alba ana eva
    karl hans ernst heide linde sonne engel ende mal ding kai uwe till
    gentile chiara felice bianca serena vera viola celeste fortunato franco bella
    bruna luce sole stella tempo ottavio
    fleur aime constance clement prudence amande rose blanche
    bento cruz santa dia noel
    roos anne wil bram bart kees geert wouter
    deal team lead sales market brand mobile demo video slide deck case
    top super tip nice amazing great good bold wow
    allegro torino milano roma paris berlin london madrid lisboa porto
    my mine me we us our ours you your yours he him his she her hers it its they them their
    mein meine meinen meinem meiner dein deine sein seine ihr ihre unser unsere euer eure
    ich du er sie wir ihr mich dich sich uns euch ihm ihn ihnen man chef leiter boss kunde
    mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs je tu il elle nous vous
    ils elles moi toi lui eux
    mi mis tu tus su sus nuestro nuestra vuestro vuestra yo ella ellos ellas usted nosotros
    mio mia miei mie tuo tua suo sua nostro nostra vostro vostra loro io lei noi voi
    meu minha meus minhas teu tua seu sua nosso nossa ele ela eles elas eu nos voce
    mijn jouw zijn haar ons onze jullie hun ik jij hij zij wij
    boss manager director chief head owner lead
    orange apple mercedes volvo natura salesforce
"""
COMMON = frozenset(_COMMON.split())


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Casefolded first names in use where our reps write from, common words left out."""
    names: set[str] = set()
    data = resources.files("gender_guesser").joinpath("data/nam_dict.txt")
    with data.open(encoding="utf-8") as lines:
        for line in lines:
            if line[:1] in {"#", "="} or len(line) < 31:
                continue
            frequencies = line[30:].rstrip("\n$ ")
            if not any(ch.strip() and i in _KEPT for i, ch in enumerate(frequencies)):
                continue
            name = line.split()[1]
            for joined in {name.replace("+", ""), name.replace("+", "-"), name.replace("+", " ")}:
                folded = joined.casefold()
                if len(folded) >= MIN_LENGTH and folded not in COMMON:
                    names.add(folded)
    return frozenset(names)


def is_first_name(word: str) -> bool:
    """Whether a word (any case) is a first name that is not also a common word."""
    folded = word.casefold()
    return len(folded) >= MIN_LENGTH and folded not in COMMON and folded in first_names()
