"""The kinds of cue the lexicons list (SPEC: blame-free rules 3 and 4).

Every language module maps these names to patterns written against folded text (lower
case, accents removed, one kind of apostrophe, runs of a letter cut to two). A pattern
starts at a word and may span several; a space stands for any run of spaces, `*` at the
end of a single word means "and any ending" (German and Dutch glue swear words to
nouns), and a leading `=` keeps the pattern to comments written in that language (for
words that mean something harmless in another one: French "con" is Spanish "with").
Placeholders join every language's lists: `{team}` team nouns, `{asset}` asset nouns,
`{num}` numbers and number words, `{ord}` ordinals ("third", "dritten", "enesima").
"""

from __future__ import annotations

# Flag on their own.
PROFANITY = "profanity"  # swearing, whatever it is aimed at
INSULT = "insult"  # words for people that only insult (idiots, amateurs, clowns)
SARCASM = "sarcasm"  # constructions that are sarcastic by themselves
PASSIVE = "passive"  # passive-aggressive constructions ("per my last email")
QUESTION = "question"  # rhetorical blame questions ("who approved this?")
NEVER_MET = "never_met"  # "has never talked to a customer", said of whoever made it

# Who a comment is about: never quoted; blame when a hostile or problem cue goes with them.
TEAM = "team"  # our own teams, or a group addressed ("you guys", "bei euch")
ROLE = "role"  # an implied person: "the intern", "whoever made this", "someone in"
PRONOUN = "pronoun"  # he, she, his deck: a person

# What goes with a person or team to make blame.
HABIT = "habit"  # generalisation: always, never, as usual, typical, every time
HOSTILE = "hostile"  # again, seriously, for nothing, evidently, you can tell
PROBLEM = "problem"  # a problem with the work: wrong, old, late, missing, not, nobody
OPENER = "opener"  # a cheer that is sarcasm when a problem follows ("great, …")
IRONIC = "ironic"  # praise that is sarcasm next to a problem ("just what we needed")

# What keeps a comment friendly, and what makes it worth quoting.
POLITE = "polite"  # please, thanks, could you, cc, when you have a minute
PRAISE = "praise"  # worked, loved, helped, closed the deal
ASSET = "asset"  # the content itself: slides, pages, prices, the demo, the link
ACTION = "action"  # a concrete suggestion: add, cut, replace, would help
OUTCOME = "outcome"  # what customers did: asked, replied, signed, laughed, left

CATEGORIES = (
    PROFANITY,
    INSULT,
    SARCASM,
    PASSIVE,
    QUESTION,
    NEVER_MET,
    TEAM,
    ROLE,
    PRONOUN,
    HABIT,
    HOSTILE,
    PROBLEM,
    OPENER,
    IRONIC,
    POLITE,
    PRAISE,
    ASSET,
    ACTION,
    OUTCOME,
)
