"""Quantity templates: sharing, ages, recipe, garden, fractions and units."""

from __future__ import annotations

from ases.data.synthetic.mwp.story import _f, _join, _m, _person, _pl, _Story

_SHARE = (("cookie", "cookies", "box", "boxes"), ("sticker", "stickers", "sheet", "sheets"),
          ("marble", "marbles", "bag", "bags"), ("crayon", "crayons", "pack", "packs"),
          ("strawberry", "strawberries", "basket", "baskets"), ("trading card", "trading cards", "pack", "packs"),
          ("cupcake", "cupcakes", "tray", "trays"), ("balloon", "balloons", "bag", "bags"), ("pencil", "pencils", "box", "boxes"))


def _sharing(st: _Story) -> None:
    r = st.r
    one, thing, box, boxes = r.choice(_SHARE)
    p, c = r.randint(2, 8), r.randint(6, 24)
    extra = r.randint(2, 15) if r.random() < 0.3 else 0
    selfin = r.random() < 0.5  # name keeps a share too
    friends = r.randint(2, 7)
    people = friends + selfin
    keep = (p * c + extra) % people  # set the leftovers aside so shares are whole
    if not keep and r.random() < 0.3:
        keep = people
    st.ask("{name} buys {p} {boxes} of {thing} with {c} in each {box}.", "{name} has {p} {boxes} of {thing} and each {box} holds {c}.",
           p=p, c=c, box=box, boxes=boxes, thing=thing)
    if extra:
        st.ask("{He} already {has} {e} more {thing} at home.", e=extra, thing=thing)
    if keep:
        st.ask("{He} set{s} aside {k} for {his} teacher.", "First {he} give{s} {k} to {his} neighbor.", k=_pl(keep, one, thing))
    what = "the rest" if keep else "all of them"
    if selfin:
        st.ask("{He} share{s} {w} equally with {f} friends.", w=what, f=friends)
        st.ask("How many {thing} does each person get?", "How many {thing} does each of them get?", thing=thing)
    else:
        st.ask("{He} divide{s} {w} equally among {f} friends.", w=what, f=friends)
        st.ask("How many {thing} does each friend get?", thing=thing)
    st.say("There are {p} {boxes} with {c} {thing} in each.", odds=0.5, p=p, c=c, boxes=boxes, thing=thing)
    total = st.calc(f"{p} x {c}", thing, "{He} start{s} with {eq}.", "That is {eq} in all.", "So there are {eq}.")
    if extra:
        total = st.calc(f"{total:.0f} + {extra}", thing, "With the ones at home {he} {has} {eq}.",
                        "Adding the extra ones gives {eq}.")
    if keep:
        st.say("{He} set{s} aside {k}.", odds=0.4, k=_pl(keep, one, thing))
        total = st.calc(f"{total:.0f} - {keep}", thing, "After that {eq} are left.", "That leaves {eq} to share.")
    if selfin:
        st.calc(f"{friends} + 1", "people", "Counting {name} there are {eq}.", "With {him} included that is {eq}.")
    st.calc(f"{total:.0f} / {people}", thing, *(("Each person gets {eq}.", "Splitting equally gives {eq} each.")
                                               if selfin else ("Each friend gets {eq}.", "So each friend receives {eq}.")))


def _ages(st: _Story) -> None:
    r = st.r
    a, d = r.randint(6, 16), r.randint(2, 6)
    sib, sg = _person(r, avoid=st.ctx["name"])
    rel = {"f": "sister", "m": "brother", "n": "cousin"}[sg]
    older = a - d < 3 or r.random() < 0.5
    depth, ask, y = r.choice((1, 2, 3)), r.choice(("sum", "future_sum", "future_one")), r.randint(2, 10)
    par, gran = r.choice(("mother", "father", "aunt", "uncle")), r.choice(("grandmother", "grandfather"))
    s_age = a + d if older else a - d
    mults = [k for k in (2, 3, 4) if 26 <= k * s_age <= 50]
    k = r.choice(mults) if mults and r.random() < 0.5 else 0
    gap1, gap2 = r.randint(22, 34), r.randint(20, 30)
    cnt = ("two", "three", "four")[depth - 1]
    st.ask("{name} is {a} years old.", "{name} just turned {a}.", a=a)
    st.ask("{His} {rel} {sib} is {d} years {o} than {him}.", rel=rel, sib=sib, d=d, o="older" if older else "younger")
    if depth > 1:
        st.ask(*(("{name}'s {par} is {k} as old as {sib}.",) if k else ("{name}'s {par} is {g} years older than {sib}.",)),
               par=par, k="twice" if k == 2 else f"{k} times", sib=sib, g=gap1)
    if depth > 2:
        st.ask("{name}'s {gran} is {g} years older than {his} {par}.", gran=gran, par=par, g=gap2)
    who = (sib, f"{st.ctx['name']}'s {par}", f"{st.ctx['name']}'s {gran}")[depth - 1]
    st.ask(*{"sum": ("What is the sum of their {cnt} ages?", "How many years do their {cnt} ages add up to?"),
             "future_sum": ("What will the sum of their {cnt} ages be in {y} years?",),
             "future_one": ("How old will {who} be in {y} years?",)}[ask], cnt=cnt, y=y, who=who)
    st.say("{name} is {a} years old.", odds=0.5, a=a)
    ages = [a, st.calc(f"{a} {'+' if older else '-'} {d}", "years", "{sib} is {eq} old.", "So {his} {rel} is {eq} old.",
                       sib=sib, rel=rel)]
    if depth > 1:
        expr = f"{k} x {ages[-1]:.0f}" if k else f"{ages[-1]:.0f} + {gap1}"
        ages.append(st.calc(expr, "years", "The {par} is {eq} old.", "{name}'s {par} is {eq} old.", par=par))
    if depth > 2:
        ages.append(st.calc(f"{ages[-1]:.0f} + {gap2}", "years", "The {gran} is {eq} old.", "So the {gran} is {eq} old.", gran=gran))
    if ask == "future_one":
        st.calc(f"{ages[-1]:.0f} + {y}", "years", "By then {who} will be {eq} old.", "{who} will be {eq} old then.", who=who)
        return
    total = st.calc(" + ".join(f"{x:.0f}" for x in ages), "years", "Together they are {eq} old.", "Their ages add up to {eq}.")
    if ask == "future_sum":
        st.say("Each of them will be {y} years older.", odds=0.5, y=y)
        st.calc(f"{total:.0f} + {len(ages)} x {y}", "years", "By then the sum will be {eq}.", "Later their ages will add up to {eq}.")


_BAKES = (("cookies", (12, 24)), ("muffins", (6, 12)), ("pancakes", (8, 10)), ("brownies", (9, 16)),
          ("bread rolls", (10, 20)), ("scones", (8, 12)))


def _recipe(st: _Story) -> None:
    r = st.r
    food, sizes = r.choice(_BAKES)
    b, m = r.choice(sizes), r.randint(2, 5)
    flour = r.choice((0.5, 0.75, 1, 1.25, 1.5, 2, 2.25, 2.5, 3))
    sugar, butter = r.choice((0.25, 0.5, 0.75, 1, 1.5)), r.choice((0.25, 0.5, 1))
    ask = r.choice(("flour", "left", "buy", "total2", "total3", "short"))
    need_f, need_s = flour * m, sugar * m
    have_f = (need_f + r.randint(1, 8) / 2 if ask == "left" else r.choice([x / 2 for x in range(1, int(need_f * 2))]))
    have_s = r.choice([x / 4 for x in range(1, int(need_s * 4))])
    cup = r.choice((0.2, 0.4, 0.6, 0.8))
    ings = [_pl(flour, "cup") + " of flour"] + ([_pl(sugar, "cup") + " of sugar"] if ask in ("total2", "total3", "short") else [])
    ings += [_pl(butter, "cup") + " of butter"] if ask == "total3" else []
    st.ask("A recipe for {b} {food} uses {i}.", "{name}'s favorite recipe makes {b} {food} with {i}.", b=b, food=food, i=_join(ings))
    st.ask("{name} wants to make {t} {food}.", "{name} needs {t} {food} for a bake sale.", t=b * m, food=food)
    if ask in ("left", "buy"):
        st.ask("{He} {has} {h} of flour in the pantry.", "There {is2} {h} of flour at home.", h=_pl(have_f, "cup"),
               is2="is" if have_f == 1 else "are")
    if ask == "buy":
        st.ask("Flour costs {c} per cup.", c=_m(cup))
    if ask == "short":
        st.ask("{He} {has} {hf} of flour and {hs} of sugar.", hf=_pl(have_f, "cup"), hs=_pl(have_s, "cup"))
    st.ask(*{"flour": ("How many cups of flour {does} {he} need?",),
             "left": ("How many cups of flour will be left after baking?",),
             "buy": ("How much will {he} spend on the extra flour?",),
             "total2": ("How many cups of flour and sugar {does} {he} need in all?",),
             "total3": ("How many cups of flour, sugar and butter {does} {he} need altogether?",),
             "short": ("How many more cups of flour and sugar {does} {he} need to buy in all?",)}[ask])
    st.say("{name} wants {t} {food}.", odds=0.4, t=b * m, food=food)
    n = st.calc(f"{b * m} / {b}", "batches", "That is {eq}.", "{He} need{s} to make {eq}.")
    fl = st.calc(f"{_f(flour)} x {_f(n)}", "cups of flour", "The flour needed is {eq}.", "{He} will use {eq}.")
    if ask in ("total2", "total3", "short"):
        su = st.calc(f"{_f(sugar)} x {_f(n)}", "cups of sugar", "The sugar needed is {eq}.", "For sugar that is {eq}.")
    if ask == "total3":
        bu = st.calc(f"{_f(butter)} x {_f(n)}", "cups of butter", "The butter needed is {eq}.", "{He} also need{s} {eq}.")
        st.calc(f"{_f(fl)} + {_f(su)} + {_f(bu)}", "cups", "Altogether that is {eq}.", "In all {he} need{s} {eq}.")
    elif ask == "total2":
        st.calc(f"{_f(fl)} + {_f(su)}", "cups", "Together that is {eq}.", "In all {he} need{s} {eq}.")
    elif ask == "left":
        st.say("{He} {has} {h} of flour.", odds=0.5, h=_pl(have_f, "cup"))
        st.calc(f"{_f(have_f)} - {_f(fl)}", "cups of flour", "{He} will have {eq} left.", "That leaves {eq}.")
    elif ask == "buy":
        more = st.calc(f"{_f(fl)} - {_f(have_f)}", "cups of flour", "{He} must buy {eq}.", "The flour still needed is {eq}.")
        st.calc(f"{_f(more)} x {_m(cup)}", "$", "The extra flour costs {eq}.", "{He} will spend {eq}.")
    elif ask == "short":
        mf = st.calc(f"{_f(fl)} - {_f(have_f)}", "cups of flour", "{He} must buy {eq}.", "The flour still needed is {eq}.")
        ms = st.calc(f"{_f(su)} - {_f(have_s)}", "cups of sugar", "For sugar {he} need{s} {eq}.", "The sugar still needed is {eq}.")
        st.calc(f"{_f(mf)} + {_f(ms)}", "cups", "In all {he} must buy {eq}.", "Together that is {eq}.")


_PLOTS = ("vegetable garden", "backyard", "dog run", "flower bed", "patio", "chicken pen")
_COVERS = ("sod", "mulch", "gravel", "grass seed", "stone tiles")


def _garden(st: _Story) -> None:
    r = st.r
    plot, cover = r.choice(_PLOTS), r.choice(_COVERS)
    w, length = sorted((r.randint(5, 30), r.randint(8, 40)))
    kind = r.choice(("fence_len", "fence", "area", "area2", "both"))
    gate = r.randint(3, 6) if kind == "fence_len" or (kind in ("fence", "both") and r.random() < 0.5) else 0
    fp, ap = r.randint(6, 30) / 2, r.randint(2, 16) / 4  # cents stay whole: the lengths are whole feet
    dims = dict(l=length, w=w, plot=plot, cover=cover)
    if kind == "area2":
        w2, l2 = sorted((r.randint(3, 20), r.randint(4, 25)))
        st.ask("{name} is covering two rectangular {plot}s with {cover}.", "{name} wants {cover} on two rectangular {plot}s.", **dims)
        st.ask("One is {l} feet by {w} feet and the other is {l2} feet by {w2} feet.", l2=l2, w2=w2, **dims)
        st.ask("The {cover} costs {p} per square foot.", p=_m(ap), **dims)
        st.ask("What is the total cost of the {cover}?", "How much will {he} spend on {cover}?", **dims)
        a1 = st.calc(f"{length} x {w}", "square feet", "The first one covers {eq}.", "The first area is {eq}.")
        a2 = st.calc(f"{l2} x {w2}", "square feet", "The second one covers {eq}.", "The second area is {eq}.")
        area = st.calc(f"{_f(a1)} + {_f(a2)}", "square feet", "Together that is {eq}.", "The total area is {eq}.")
        st.say("Each square foot costs {p}.", odds=0.5, p=_m(ap))
        st.calc(f"{_f(area)} x {_m(ap)}", "$", "The {cover} costs {eq}.", "So {he} spend{s} {eq}.", **dims)
        return
    st.ask("{name} has a rectangular {plot} that is {l} feet long and {w} feet wide.",
           "{name}'s {plot} is a rectangle {l} feet by {w} feet.", **dims)
    gap = f" and leave a {gate}-foot opening for a gate" if gate else ""
    if kind == "both":
        st.ask("{He} want{s} to fence it{g} and cover the ground with {cover}.", g=gap, **dims)
        st.ask("Fencing costs {f} per foot and {cover} costs {a} per square foot.", f=_m(fp), a=_m(ap), **dims)
        st.ask("How much will {he} spend on the fence and the {cover} together?", **dims)
    elif kind == "area":
        st.ask("{He} want{s} to cover all of it with {cover} that costs {a} per square foot.", a=_m(ap), **dims)
        st.ask("How much will the {cover} cost?", **dims)
    else:
        st.ask("{He} want{s} to put a fence around it{g}.", g=gap)
        if kind == "fence":
            st.ask("Fencing costs {f} per foot.", f=_m(fp))
        st.ask(*(("How many feet of fencing {does} {he} need?",) if kind == "fence_len" else
                 ("How much will the fence cost?", "How much {does} {he} spend on fencing?")))
    st.say("The {plot} is {l} feet by {w} feet.", odds=0.5, **dims)
    if kind != "area":
        per = st.calc(f"2 x ({length} + {w})", "feet", "The perimeter is {eq}.", "The distance around is {eq}.",
                      "Around the {plot} is {eq}.", **dims)
        if gate:
            st.say("The gate leaves {g} feet open.", odds=0.5, g=gate)
            per = st.calc(f"{_f(per)} - {gate}", "feet", "So the fence needs {eq}.", "The fencing needed is {eq}.")
        if kind != "fence_len":
            fc = st.calc(f"{_f(per)} x {_m(fp)}", "$", "The fence costs {eq}.", "Fencing will cost {eq}.")
    if kind in ("area", "both"):
        area = st.calc(f"{length} x {w}", "square feet", "The area is {eq}.", "The {plot} covers {eq}.", **dims)
        ac = st.calc(f"{_f(area)} x {_m(ap)}", "$", "The {cover} costs {eq}.", "Covering it costs {eq}.", **dims)
    if kind == "both":
        st.calc(f"{_m(fc)} + {_m(ac)}", "$", "Together that is {eq}.", "In all {he} spend{s} {eq}.")


_GROUPS = (("A jar holds {n} marbles.", "marbles", ("red marbles", "blue marbles", "green marbles", "yellow marbles")),
           ("A farm has {n} animals.", "animals", ("chickens", "cows", "goats", "sheep")),
           ("A library cart holds {n} books.", "books", ("novels", "comic books", "science books", "history books")),
           ("A garden has {n} flowers.", "flowers", ("roses", "tulips", "daisies", "lilies")),
           ("A pet shop tank has {n} fish.", "fish", ("goldfish", "guppies", "tetras", "angelfish")),
           ("A basket holds {n} pieces of fruit.", "pieces of fruit", ("apples", "oranges", "pears", "plums")))
_FRACS = ((1, 2), (1, 3), (2, 3), (1, 4), (3, 4), (1, 5), (2, 5), (3, 5))


def _fractions(st: _Story) -> None:
    r = st.r
    intro, noun, cats = r.choice(_GROUPS)
    depth = r.choice((1, 2, 3))
    rest = depth == 1 or r.random() < 0.5  # ask for the leftover group rather than the last fraction
    fr = [r.choice(_FRACS) for _ in range(depth)]
    prod = 1
    for _, b in fr:
        prod *= b  # a multiple of every denominator keeps each part whole
    lo = -(-20 // prod)
    n = prod * r.randint(lo, max(lo, 400 // prod))
    word = [("half" if (a, b) == (1, 2) else f"{a}/{b}") for a, b in fr]
    st.ask(intro, n=n)
    st.ask("{f} of them are {c}.", f=word[0], c=cats[0])
    for j in range(1, depth):
        st.ask("{f} of the rest are {c}.", "{f} of the remaining {noun} are {c}.", f=word[j], c=cats[j], noun=noun)
    if rest and depth < 3:
        st.ask("The rest are {c}. How many {c} are there?", c=cats[depth])
    elif rest:
        st.ask("If all the others are {c}, how many {c} are there?", c=cats[depth])
    else:
        st.ask("How many {c} are there?", "How many of the {noun} are {c}?", c=cats[depth - 1], noun=noun)
    cur = n
    for j, (a, b) in enumerate(fr):
        st.say("{f} of {what} are {c}.", odds=0.5, f=word[j], c=cats[j],
               what=f"the {_f(cur)} {noun}" if j == 0 else "the rest")
        part = st.calc(f"{_f(cur)} / {b}" if a == 1 else f"{_f(cur)} x {a} / {b}", cats[j],
                       "There are {eq}.", "That makes {eq}.", "That gives {eq}.")
        if j < depth - 1 or rest:
            cur = st.calc(f"{_f(cur)} - {_f(part)}", cats[depth] if j == depth - 1 else noun,
                          "That leaves {eq}.", "The rest come to {eq}.", "What remains is {eq}.")


_UNITS = (  # stuff, container(s), big unit (one, many), small unit, factor, sizes, portions, portion (one, many), verb
    ("rice", "bag", "bags", "kg", "kg", "grams", 1000, (1, 1.5, 2, 2.5, 5), (50, 75, 100, 125, 150, 200, 250),
     "serving", "servings", "cook{s} it in servings of {p} grams"),
    ("juice", "bottle", "bottles", "liter", "liters", "ml", 1000, (1, 1.5, 2, 3), (150, 200, 250, 300),
     "glass", "glasses", "pour{s} it into glasses that hold {p} ml each"),
    ("ribbon", "roll", "rolls", "foot", "feet", "inches", 12, (3, 4.5, 6, 7.5, 10), (6, 8, 9, 10, 12, 18),
     "piece", "pieces", "cut{s} it into pieces {p} inches long"),
    ("rope", "coil", "coils", "meter", "meters", "centimeters", 100, (2, 2.5, 3, 5, 8), (20, 25, 40, 50, 80),
     "piece", "pieces", "cut{s} it into pieces {p} centimeters long"),
    ("soup", "pot", "pots", "liter", "liters", "ml", 1000, (2, 2.5, 3, 4), (250, 300, 400, 500),
     "bowl", "bowls", "serve{s} it in bowls of {p} ml"),
    ("flour", "sack", "sacks", "kg", "kg", "grams", 1000, (1, 2, 2.5, 5), (250, 400, 500),
     "loaf", "loaves", "bake{s} loaves that use {p} grams each"),
)


def _units(st: _Story) -> None:
    r = st.r
    stuff, cont, conts, big1, bigs, small, factor, sizes, portions, one, many, verb = r.choice(_UNITS)
    c, size = r.choice((1, 1, 2, 3, 4)), r.choice(sizes)
    amount = round(c * size * factor)
    p = r.choice([q for q in portions if amount % q == 0])
    count = amount // p
    ask = r.choice(("count", "days", "sell", "profit"))
    per = [d for d in range(2, 13) if count % d == 0 and count // d >= 2]
    if ask == "days" and not per:
        ask = "count"
    price = r.randint(2, 12) / 4
    cp = min(r.randint(4, 40) / 2, int(count * price / c))  # costs below sales keep the profit positive
    if ask == "profit" and cp < 1:
        ask = "sell"
    d = r.choice(per) if per else 0
    amt = _pl(size, big1, bigs)
    if c > 1:
        st.ask("{name} buys {c} {conts} of {stuff} with {a} in each.", c=c, conts=conts, stuff=stuff, a=amt)
    else:
        st.ask("{name} has a {cont} of {stuff} that holds {a}.", cont=cont, stuff=stuff, a=amt)
    st.ask("{He} {verb}.", verb=verb, p=p)
    if ask in ("sell", "profit"):
        st.ask("{He} sell{s} each {one} for {pr}.", one=one, pr=_m(price))
    if ask == "profit":
        st.ask("{e} cost {him} {cp}.", e=f"Each {cont}" if c > 1 else f"The {cont}", cp=_m(cp))
    st.ask(*{"count": ("How many {many} {does} {he} get?", "How many {many} can {he} make?"),
             "days": ("If {he} use{s} {d} {many} a day, how many days will the {stuff} last?",),
             "sell": ("How much money {does} {he} make from selling all of them?",),
             "profit": ("How much profit {does} {he} make?", "How much money {does} {he} make after paying for the {stuff}?")}[ask],
           many=many, d=d, stuff=stuff)
    total = size
    if c > 1:
        total = st.calc(f"{c} x {_f(size)}", bigs, "Altogether {he} {has} {eq} of {stuff}.", "The {conts} hold {eq} in total.",
                        stuff=stuff, conts=conts)
    st.say("One {b} is {f} {s}.", "There are {f} {s} in a {b}.", odds=0.6, b=big1, f=_f(factor), s=small)
    sm = st.calc(f"{_f(total)} x {_f(factor)}", small, "That is {eq}.", "Converted that is {eq}.", "So {he} {has} {eq}.")
    st.say("Each {one} uses {p} {s}.", odds=0.4, one=one, p=p, s=small)
    n = st.calc(f"{_f(sm)} / {p}", many, "So {he} get{s} {eq}.", "That makes {eq}.")
    if ask == "days":
        st.calc(f"{_f(n)} / {d}", "days", "The {stuff} lasts {eq}.", "That is enough for {eq}.", stuff=stuff)
    if ask in ("sell", "profit"):
        rev = st.calc(f"{_f(n)} x {_m(price)}", "$", "Selling them brings in {eq}.", "{He} earn{s} {eq} from sales.")
    if ask == "profit":
        cost = cp if c == 1 else st.calc(f"{c} x {_m(cp)}", "$", "The {conts} cost {eq}.", "{He} paid {eq} for them.", conts=conts)
        st.calc(f"{_m(rev)} - {_m(cost)}", "$", "The profit is {eq}.", "{He} make{s} {eq} after costs.")
