"""Realistic feedback comments, labelled: True when the nudge should flag them (SPEC rule 3).

Written for this project, from both sides: reps about marketing's collateral, marketers
about reps. Half are fine (critical, but about assets), half are not (generalisations
about a team, blame, insults, profanity). Mentions of people are not flagged by
themselves since issue 14: they are references, never quoted, and a nudge only when
hostile.
"""

from __future__ import annotations

LONG_FINE = (
    "Used the Q3 pricing deck on four calls this week. What worked: the TCO slide and the "
    "one with the three customer logos, prospects asked for a copy both times. What didn't: "
    "slides 9 to 14 repeat the same integration diagram with small changes, and on a 30 "
    "minute call I skip all of them. The competitor table still lists Acme's free tier, "
    "which they dropped in March, and a prospect called it out. Also the speaker notes are "
    "empty on half the slides, so newer reps won't know what to say. If it helps I can "
    "share the call recording from Tuesday where the pricing slide landed really well."
)
LONG_BAD = (
    "Ok so I tried the new healthcare battlecard on the Northwind renewal. The objection "
    "section is decent and the HIPAA bit is accurate. But the pricing is wrong again and "
    "honestly marketing never checks these things with anyone who actually sells, so we "
    "end up fixing it live in front of the customer. The case study link in the footer "
    "also goes to a login page. Can we get a version with the 2024 prices and a working "
    "link before the renewal call next Thursday?"
)
LONG_MARKETING_FINE = (
    "Quick summary from the enablement session: 14 reps attended, most questions were "
    "about when to use the ROI calculator vs the TCO one-pager. Three people said the "
    "calculator's default of 100 seats makes small deals look bad, which is fair, we'll "
    "change the default to 25. Nobody had opened the security FAQ yet, so we'll pin it in "
    "the channel. Recording and slides are in the drive if you missed it."
)

CORPUS: tuple[tuple[str, bool], ...] = (
    # --- fine: offers to help and to follow up (short, warm, about no one) -----------------
    ("happy to walk anyone through it on a call", False),
    ("glad to help, ping me if you want the customer's feedback in detail", False),
    ("I can explain what the customer asked, just let me know", False),
    ("encantado de comentarlo en una llamada si os sirve", False),
    ("gerne erkläre ich das kurz in einem Call", False),
    ("je peux en parler en visio si ça aide", False),
    ("volentieri ne parliamo in una call, se serve", False),
    ("posso explicar melhor numa call, é só chamar", False),
    ("ik licht het graag toe in een korte call", False),
    # --- fine: saying it is nobody's fault, then what is wrong with the asset -------------
    ("no blame here, the PDF just won't open on iPad", False),
    ("not pointing fingers, but the pricing link returns a 404", False),
    ("nobody's fault, the calculator breaks when you enter 0 seats", False),
    ("sin culpar a nadie: el enlace del caso de éxito da error 404", False),
    ("ohne jemandem die Schuld zu geben: der Link zur Preisliste ist tot", False),
    ("je ne blâme personne, mais le lien vers la fiche produit renvoie une 404", False),
    ("non è colpa di nessuno, ma il link al listino non funziona", False),
    ("sem culpar ninguém, o link da apresentação dá erro 404", False),
    ("ik wijs niemand aan, maar de link naar de prijslijst werkt niet", False),
    # --- fine: reps about collateral ---------------------------------------------------
    ("The pricing deck is outdated, slide 4 still shows last year's prices", False),
    ("Needs a one-pager for healthcare", False),
    ("The ROI calculator never loads on mobile", False),
    ("Customers said the case study was too long", False),
    ("This is not useful for enterprise deals", False),
    (
        "deck is great but the competitor slide is wrong, acme dropped their free tier in march",
        False,
    ),
    ("used this w/ 3 prospects this week 🔥 the TCO slide did the heavy lifting", False),
    ("the battlecard never mentions the SOC2 report and every security review asks for it", False),
    ("Can we get a version without the animations? it crashes in Teams screenshare", False),
    ("link in the launch post goes to a 404 :(", False),
    ("Pricing shows 2 @ $50/seat but the contract template says $55, which one is right?", False),
    ("footer says to email partners@example.com but that inbox bounces", False),
    ("Hard to assess ROI from the calculator when the inputs are USD only", False),
    ("Our Scunthorpe customer asked for a UK version with £ pricing", False),
    ("Great class-by-class breakdown in the training video, it passes the sniff test", False),
    (
        "webinar recording is 58 min, nobody on the customer side will watch that. "
        "a 5 min cut would be gold",
        False,
    ),
    ("Case study is solid. Would be even better with a quote from the CFO, not just IT", False),
    ("Honestly the new deck is a huge improvement, thank you!! 🙏", False),
    ("slide 12 typo: 'recieve'", False),
    ("The one-pager reads like marketing speak; finance buyers want the numbers up front", False),
    ("Sales cycle in the deck says 30 days, ours is more like 90 for enterprise", False),
    ("Sales always spike in Q4 so the promo slide should go out in October, not December", False),
    (
        "the demo video is fine but it never shows the admin console, which is what IT cares about",
        False,
    ),
    (
        "Prospect in Essex asked whether the SLA in the brochure covers weekends. "
        "It doesn\u2019t say",
        False,
    ),
    ("I couldn't find the healthcare case study in the drive, is it published yet?", False),
    ("reps can't find the new battlecard in the portal, can it be pinned?", False),
    (
        "This comparison sheet is useless for mid-market, "
        "the competitors listed are all enterprise",
        False,
    ),
    ("The email template has broken merge fields, {first_name} shows up literally", False),
    (
        "Loved the customer story video. Sent it to 4 accounts, 2 replied asking for a call 🎯",
        False,
    ),
    ("The deck is way too long. 45 slides and I only ever use 6", False),
    ("pls add a slide on data residency, EU prospects ask every single time", False),
    ("Why does the ROI calculator assume 100 seats minimum? most of my deals are 20-50", False),
    ("French one-pager has translation errors in the pricing section, happy to share notes", False),
    (
        "Passed the case study to the CISO at Northwind and she said it was "
        "exactly what she needed",
        False,
    ),
    (
        "*Bold claim* on slide 3 (#1 in the market) got challenged by a prospect. "
        "Do we have a source?",
        False,
    ),
    ("needs work: product screenshots are from the old UI", False),
    ("Bundle is 3 @ $99 in the price sheet but the deck says 3 @ $89", False),
    ("The \u2018Why now\u2019 slide can\u2019t load the embedded video offline", False),
    (
        "The customer blamed the outage last year on us, a reliability one-pager would really help",
        False,
    ),
    ("Can you guys add a healthcare slide? Prospects keep asking", False),
    ("Thanks you guys, the new battlecard won us the Fabrikam deal!", False),
    ("the sales deck always opens on the wrong slide in Keynote", False),
    ("Send RFP questions to rfp@contoso.com, the one-pager still lists the old address", False),
    ("The slide says we're fault-tolerant but the SLA page says 99.5%, which is it?", False),
    ("Arsenal fans at the client loved the football analogy on slide 3 ⚽", False),
    ("The objection-handling rebuttals on page 2 are great, used them twice today", False),
    ("Marketing site pricing page doesn't match the deck. Which one is current?", False),
    ("~old pricing~ new pricing is in, thx for the quick turnaround", False),
    ("<https://example.com/deck.pdf|Pricing deck> works now, old link is dead though", False),
    ("grt deck thx", False),
    ("Price sheet says €45 @ 12 months, should it be €40?", False),
    ("Customers always ask about SSO pricing and the deck doesn't cover it", False),
    ("Prospects never believe the 10x claim without a source. Can we cite the study?", False),
    ("ROI calc is brilliant but the export button never works in Safari 😅", False),
    ("Meh. The case study is ok but a bit generic, could be any SaaS company", False),
    (LONG_FINE, False),
    # --- fine: marketing about the field ---------------------------------------------------
    (
        "Reps who used the new talk track reported shorter discovery calls, keep the notes coming",
        False,
    ),
    ("Would love to know which slides you skip in the pricing deck so we can cut them", False),
    ("Battlecard downloads dropped after the portal move, is the link working for you?", False),
    ("Thanks for the notes on the case study. v2 is in the drive with a shorter intro", False),
    (
        "Call recordings show prospects ask about integrations in the first 5 min, "
        "adding that to the deck",
        False,
    ),
    ("quick q: is the healthcare one-pager used in calls or only in follow-up emails?", False),
    ("Email me at jane.doe@example.com if the new template breaks in Outlook", False),
    ("Feedback says the webinar slides are too dense. Agreed, trimming to 10", False),
    ("Could the marketing team share the raw survey data behind the 'saves 10 hours' stat?", False),
    ("Sales kit is missing the new logo slide", False),
    (
        "Not a fan of the new colour scheme on the one-pager, the contrast is poor when printed",
        False,
    ),
    ("The pricing FAQ doesn't cover multi-year discounts, which come up a lot", False),
    ("Great job team, the launch kit is the best one yet 🙌", False),
    ("Customers are confused by the tiered pricing slide; we need a simpler version", False),
    (LONG_MARKETING_FINE, False),
    # --- flagged: generalisations about the other team ---------------------------------------
    ("Marketing never asks us what customers actually need", True),
    ("marketing always sends stuff nobody asked for", True),
    ("as usual marketing sent something nobody asked for", True),
    ("The marketing team can't get a single number right in this deck", True),
    ("you guys clearly never talk to customers", True),
    ("Typical marketing: 40 slides of fluff and zero pricing", True),
    ("Marketing keeps pushing webinars that no rep ever asked for", True),
    ("marketing has no clue what a CFO cares about", True),
    ("Marketing, as usual, nowhere to be found when the deck broke mid-demo", True),
    ("Marketing strikes again with a 60 slide monster 🙄", True),
    ("This is what happens when marketing doesn\u2019t listen to the field", True),
    ("Sales never uses the battlecards we build, then complains there's nothing to use", True),
    ("reps always ignore the launch posts", True),
    ("those reps don't even open the emails we send", True),
    ("you people never read anything longer than a tweet", True),
    ("Reps can't be bothered to log a single piece of feedback", True),
    ("AEs only care about their commission, not our content", True),
    ("Why do reps insist on building their own janky decks?", True),
    ("y'all in sales never read the release notes", True),
    ("Reps wont use anything that isn't a one-pager, stop building decks", True),
    ("why is sales like this. every single time 😤", True),
    ("Maybe if sales actually followed up on leads we wouldn't need another deck", True),
    (LONG_BAD, True),
    # --- flagged: blame ----------------------------------------------------------------------
    ("whose fault is it that the pricing deck still shows 2023 prices??", True),
    ("Thanks to marketing we lost the Contoso deal, the deck had the wrong SLA", True),
    ("Who approved this? it's embarrassing to show a customer", True),
    ("It's your fault the calculator is wrong, fix it", True),
    ("marketing's fault we missed the quarter, plain and simple", True),
    ("Thanks to the reps ignoring the new deck, the launch flopped", True),
    ("Sales dropped the ball on the Q3 launch", True),
    ("Thanks for nothing, the case study came out a week after the deal closed", True),
    ("Sales threw us under the bus in the QBR", True),
    ("We lost Fabrikam because of marketing. Period.", True),
    # --- flagged: insults ------------------------------------------------------------------
    ("Honestly the marketing team is clueless about enterprise buying", True),
    ("Whoever made this deck is an idiot", True),
    ("the people in marketing are completely out of touch 🙄", True),
    ("Another useless asset from a useless team", True),
    ("Sales is lazy and just wants discounts", True),
    ("The sales team is too lazy to read a two-page brief", True),
    ("Seriously, the SDRs are morons", True),
    ("These AEs are clueless about our own pricing", True),
    ("Incompetent. Again.", True),
    ("what a bunch of clowns, the launch date was wrong in every email", True),
    # --- flagged: profanity ----------------------------------------------------------------
    ("This deck is f*cking useless", True),
    ("sh1t deck, no one will use it", True),
    ("WTF is slide 9 supposed to mean", True),
    ("This is bullsh!t, the competitor slide is two years old", True),
    ("This is crap. Who wrote this?", True),
    ("FFS the link is broken AGAIN", True),
    ("Fuuuuck this calculator", True),
    ("the new onboarding deck is pure sh*t", True),
    ("this whole launch was a clusterf**k", True),
    ("This deck is damn good, closed two deals with it", True),
    ("the ROI calc is a piece of $hit", True),
    ("Not gonna lie this deck is a$$", True),
    ("F U C K this pricing sheet", True),
    ("\uff37\uff34\uff26 happened to the case study", True),
    ("pissed off that the portal is down again", True),
    ("what a half-assed one-pager", True),
    # --- mentions: not flagged since issue 14 (a polite or neutral request that mentions
    # someone keeps its content, the mention redacted, and is never quoted); one with a
    # hostile cue ("again") still is -------------------------------------------------------
    ("<@U024BE7LH> can you fix slide 4?", False),
    ("<!channel> the pricing deck is wrong, don't use it", False),
    ("cc @jordan, calculator is broken again", True),
    ("<!subteam^S0614TZR7|@pmm-team> please update the battlecard", False),
    ("Ping <@W0123ABCD|maria> about the healthcare one-pager", False),
    ("the deck is fine but <!here> please stop using the old one", False),
    ("Great deck! cc <@U0G9QF9C6>", False),
    ("@sam.lee the PDF won't open", False),
    ("Ask @marketing-ops why the form is broken", False),
    ("<!everyone> new case study is live, go use it", False),
    # --- second batch, written after the detector, before running it against them ---------
    (
        "Pricing deck says per user but we moved to per-seat bundles in Feb, "
        "reps keep getting asked",
        False,
    ),
    ("The ROI calculator always rounds down, which undersells us by ~8%", False),
    ("Demo script v3 is way better than v2. Slide 7 still has lorem ipsum tho lol", False),
    ("Our biggest prospect in Middlesex wants the security whitepaper in Word, not PDF", False),
    ("A cocktail-party version of the pitch would be nice, the current one is 20 min", False),
    ("Can we have a Spanish version? The LATAM team would use it daily", False),
    ("Nothing in the kit handles the 'we already use a competitor' objection", False),
    ("honestly the best case study we've ever had, specific numbers and a real quote", False),
    ("The brochure lists a phone number that goes straight to voicemail", False),
    ("One-pager buries the lead; the savings number is at the very bottom", False),
    ("Marketing did a nice job on the launch email, the open rate looks high", False),
    ("sales enablement portal search never returns the battlecards, I have to browse", False),
    ("Do we have an ROI story for retail? The current one is all manufacturing", False),
    ("The video's audio drifts out of sync after 2:30", False),
    ("This asset is pointless for SMB, way too technical", False),
    ("Reps in EMEA mostly use the short deck, the long one is too US-centric", False),
    ("@ 3 seats the calculator shows a negative ROI, bug?", False),
    ("the CTO's email is cto@northwind.io if you want a quote for the case study", False),
    ("The calculator's hours-saved assumption is hard to defend, a CFO tore it apart today", False),
    ("Slides 3-5 are the strongest part of the deck, the rest can go", False),
    ("marketing lives in a bubble, none of this matches what buyers ask", True),
    (
        "classic sales, promising features we don't have and then asking for a slide to cover it",
        True,
    ),
    ("The deck is fine. The problem is reps who can't read past slide 2", True),
    ("you guys are killing me with these 50 slide decks", True),
    ("who the hell thought a 12 page PDF was a good idea", True),
    ("S H I T", True),
    ("this is b*llsh*t", True),
    ("total bs, the numbers on slide 5 are made up", True),
    ("<@U99ABC> <@U88DEF> see thread", False),
    ("Marketing: please stop. Just stop.", True),
    ("If marketing spent one day on a sales call they'd know this is useless", True),
    ("maybe the geniuses in marketing can explain slide 4", True),
    ("@channel pls stop using v1", False),
    ("stupid reps keep sending the old pdf", True),
    ("Sales never reads the brief. Never.", True),
    ("Fck this portal, it logs me out every 5 min", True),
)
