"""Money templates: shopping, discount, tip, wages, savings and membership."""

from __future__ import annotations

from ases.data.synthetic.mwp.story import _join, _m, _Story, _third

_SHOPS = (
    ("stationery store", (("notebooks", 150, 400), ("pens", 50, 200), ("folders", 50, 200),
                          ("packs of markers", 300, 700), ("erasers", 25, 100))),
    ("bakery", (("muffins", 150, 350), ("croissants", 175, 400), ("loaves of bread", 250, 600),
                ("cupcakes", 100, 300), ("bagels", 75, 200))),
    ("farmers market", (("pounds of apples", 100, 300), ("jars of honey", 400, 900),
                        ("bunches of carrots", 100, 300), ("baskets of berries", 300, 600))),
    ("hardware store", (("boxes of nails", 200, 600), ("cans of paint", 800, 2500),
                        ("paint brushes", 200, 800), ("rolls of tape", 150, 500))),
    ("toy shop", (("toy cars", 200, 600), ("puzzles", 500, 1500), ("packs of cards", 200, 500),
                  ("bouncy balls", 50, 200))),
    ("grocery store", (("cartons of milk", 150, 400), ("boxes of cereal", 250, 600),
                       ("bags of rice", 300, 900), ("cans of soup", 75, 250))),
)


def _shopping(st: _Story) -> None:
    r = st.r
    shop, pool = r.choice(_SHOPS)
    lines = [(r.randint(2, 9), r.randrange(lo, hi + 1, 5) / 100, item)
             for item, lo, hi in r.sample(pool, r.choice((1, 1, 2, 2, 3)))]
    subtotal = sum(q * p for q, p, _ in lines)
    coupon = r.choice((2, 3, 5)) if subtotal > 12 and r.random() < 0.35 else 0
    bill = next(b for b in (10, 20, 50, 100, 200, 500, 1000) if b > subtotal - coupon)
    st.ask("{name} goes to the {shop}.", "{name} stops at the {shop} after school.",
           "{name} visits the {shop} on Saturday morning.", shop=shop)
    st.ask("{He} buy{s} {d}.", "{He} pick{s} out {d}.",
           d=_join([f"{q} {item} at {_m(p)} each" for q, p, item in lines]))
    if coupon:
        st.ask("{He} {has} a coupon for {c} off the whole order.", c=_m(coupon))
    st.ask(*(("{He} pay{s} with a {b} bill.", "{He} hand{s} the cashier a {b} bill.") if bill <= 100
             else ("{He} pay{s} with {b} in cash.",)), b=_m(bill))
    st.ask("How much change {does} {he} get?", "How much change should {name} receive?",
           "How much money {does} {he} get back?")
    costs = []
    for q, p, item in lines:
        st.say("{name} buys {q} {item} at {p} each.", "Each of the {q} {item} costs {p}.",
               odds=0.5, q=q, item=item, p=_m(p))
        costs.append(st.calc(f"{q} x {_m(p)}", "$", "So the {item} cost {eq}.", "The {item} come to {eq}.",
                             "{He} spend{s} {eq} on {item}.", item=item))
    total = costs[0]
    if len(costs) > 1:
        total = st.calc(" + ".join(map(_m, costs)), "$", "Altogether that is {eq}.",
                        "The items cost {eq} in total.", "Adding them up gives {eq}.")
    if coupon:
        st.say("The coupon takes {c} off.", odds=0.5, c=_m(coupon))
        total = st.calc(f"{_m(total)} - {_m(coupon)}", "$", "After the coupon {he} owe{s} {eq}.",
                        "With the coupon the bill is {eq}.")
    st.say("{He} pay{s} with {b}.", "{name} hands over {b}.", odds=0.5, b=_m(bill))
    st.calc(f"{_m(bill)} - {_m(total)}", "$", "The change is {eq}.", "So {he} get{s} back {eq}.",
            "{He} receive{s} {eq} in change.")


_DEALS = (("jacket", "jackets", 40, 200), ("pair of running shoes", "pairs of running shoes", 40, 180),
          ("bicycle", "bicycles", 160, 800), ("laptop", "laptops", 600, 1800), ("guitar", "guitars", 100, 600),
          ("sofa", "sofas", 400, 1600), ("tablet", "tablets", 200, 900), ("lamp", "lamps", 20, 120))


def _discount(st: _Story) -> None:
    r = st.r
    item, items, lo, hi = r.choice(_DEALS)
    # A price in twenties and a percent in fives keep the discount in whole dollars.
    price, pct = r.randrange(lo, hi + 1, 20), r.choice((10, 15, 20, 25, 30, 40, 50))
    qty = r.randint(2, 4) if hi <= 600 and r.random() < 0.3 else 1
    tax = r.randint(5, 9) if r.random() < 0.5 else 0
    sale = price * qty * (100 - pct) // 100
    budget = (int(sale * (100 + tax) / 100) // 100 + 1 + r.randint(0, 3)) * 100 if r.random() < 0.4 else 0
    if qty > 1:
        st.ask("{name} wants to buy {q} {items} that cost {p} each.", "{name} needs {q} {items} priced at {p} each.",
               q=qty, items=items, p=_m(price))
    else:
        st.ask("{name} wants a {item} that costs {p}.", "{name} has {his} eye on a {item} priced at {p}.", item=item, p=_m(price))
    st.ask("The store is having a {d}% off sale.", "This week the price is cut by {d}%.", d=pct)
    if tax:
        st.ask("Sales tax of {t}% is added to the sale price.", t=tax)
    if budget:
        st.ask("{He} {has} {b} saved.", "{name} has saved {b} for it.", b=_m(budget))
        st.ask("How much money will {he} have left after the purchase?", "How much of {his} savings will be left?")
    elif tax:
        st.ask("How much {does} {he} pay in total?", "What is the final cost with tax?")
    else:
        st.ask("How much {does} {he} pay?", "What is the sale price?")
    base = price
    if qty > 1:
        st.say("{name} wants {q} {items}.", odds=0.4, q=qty, items=items)
        base = st.calc(f"{qty} x {_m(price)}", "$", "Before the sale they cost {eq}.",
                       "The regular price for all of them is {eq}.")
    else:
        st.say("The {item} costs {p}.", odds=0.5, item=item, p=_m(price))
    st.say("The store takes {d}% off.", odds=0.5, d=pct)
    off = st.calc(f"{_m(base)} x {pct} / 100", "$", "The discount is {eq}.", "The sale saves {eq}.", "So {he} save{s} {eq}.")
    final = st.calc(f"{_m(base)} - {_m(off)}", "$", "The sale price is {eq}.", "After the discount the cost is {eq}.")
    if tax:
        st.say("Tax is {t}% of the sale price.", odds=0.5, t=tax)
        tx = st.calc(f"{_m(final)} x {tax} / 100", "$", "The tax is {eq}.", "Tax adds {eq}.")
        final = st.calc(f"{_m(final)} + {_m(tx)}", "$", "With tax {he} pay{s} {eq}.", "The total is {eq}.")
    if budget:
        st.say("{He} {has} {b}.", odds=0.5, b=_m(budget))
        st.calc(f"{_m(budget)} - {_m(final)}", "$", "{He} {has} {eq} left.", "That leaves {eq}.")


_DISHES = (("pizza", "pizzas"), ("plate of pasta", "plates of pasta"), ("salad", "salads"), ("burger", "burgers"),
           ("bowl of noodles", "bowls of noodles"), ("curry", "curries"), ("taco platter", "taco platters"),
           ("milkshake", "milkshakes"))


def _tip(st: _Story) -> None:
    r = st.r
    n = r.randint(2, 6)
    ask = r.choice(("tip", "total", "each"))
    pct = r.choice((10, 15, 18, 20, 25))
    room = 4 - (ask != "tip") - (ask == "each")  # multiplication steps that still fit in six
    order = []
    for one, many in r.sample(_DISHES, r.choice((2, 3))):
        q = r.choice((2, 3)) if room and r.random() < 0.5 else 1
        room -= q > 1
        order.append((q, r.randint(6, 24), one, many))
    bill = sum(q * p for q, p, _, _ in order)
    if ask == "each" and bill * (100 + pct) % n:  # the total in cents must split evenly
        ask = "total"
    st.ask("{name} and {f} go out for dinner.", "{name} takes {f} to a restaurant.",
           f="a friend" if n == 2 else f"{n - 1} friends")
    st.ask("They order {o}.", o=_join([f"{q} {many} at {_m(p)} each" if q > 1 else f"a {one} for {_m(p)}"
                                       for q, p, one, many in order]))
    st.ask("They leave {a} {t}% tip on the food.", "They add {a} {t}% tip to the bill.", t=pct, a="an" if pct == 18 else "a")
    st.ask(*{"tip": ("How much is the tip?", "How much money do they leave as a tip?"),
             "total": ("How much do they pay including the tip?", "What is the total cost with the tip?"),
             "each": ("If they split the total evenly, how much does each person pay?",)}[ask])
    costs = []
    for q, p, one, many in order:
        if q > 1:
            costs.append(st.calc(f"{q} x {_m(p)}", "$", "The {many} cost {eq}.", "For the {many} that is {eq}.", many=many))
        else:
            st.say("The {one} costs {p}.", odds=0.5, one=one, p=_m(p))
            costs.append(p)
    bill = st.calc(" + ".join(map(_m, costs)), "$", "The food comes to {eq}.", "The bill before the tip is {eq}.")
    st.say("The tip is {t}% of the bill.", odds=0.4, t=pct)
    tip = st.calc(f"{_m(bill)} x {pct} / 100", "$", "The tip is {eq}.", "The tip adds {eq}.")
    if ask != "tip":
        total = st.calc(f"{_m(bill)} + {_m(tip)}", "$", "With the tip the total is {eq}.", "They pay {eq} in all.")
    if ask == "each":
        st.say("There are {n} people.", odds=0.6, n=n)
        st.calc(f"{_m(total)} / {n}", "$", "Each person pays {eq}.", "Split evenly that is {eq} per person.")


_JOBS = ("work{s} at a bookstore", "tutor{s} math students", "work{s} at a cafe", "walk{s} dogs",
         "work{s} at a garden center", "work{s} as a lifeguard", "fix{es} bikes at a repair shop")
_SPENDS = ("bus fare", "groceries", "{his} phone bill", "rent", "a concert ticket")


def _wages(st: _Story) -> None:
    r = st.r
    job, thing = r.choice(_JOBS), r.choice(_SPENDS)
    w, h, d = r.randint(24, 60) / 2, r.randint(3, 9), r.randint(2, 6)
    ot = r.randint(2, 8) if r.random() < 0.35 else 0
    weeks = r.randint(2, 8) if r.random() < 0.4 else 1
    spend = r.random() < 0.35 and not (ot and weeks > 1)  # at most six steps
    earn = (w * h * d + w * 1.5 * ot) * weeks
    cost = r.randint(10, int(earn * 0.5))
    st.ask("{name} {job} for {w} an hour.", "{name} {job} and earns {w} per hour.", job=_third(job), w=_m(w))
    st.ask("{He} work{s} {h} hours a day for {d} days a week.", "Each week {he} work{s} {d} days with {h} hours per day.", h=h, d=d)
    if ot:
        st.ask("Each week {he} also work{s} {o} overtime hours paid at 1.5 times {his} usual rate.", o=ot)
    if spend:
        st.ask("{He} spend{s} {c} of {his} earnings on {t}.", c=_m(cost), t=thing)
    span = "in a week" if weeks == 1 else f"in {weeks} weeks"
    st.ask(*(("How much money {does} {he} have left from {his} pay {span}?",) if spend else
             ("How much {does} {he} earn {span}?", "What is {his} total pay {span}?")), span=span)
    st.say("{He} earn{s} {w} an hour.", odds=0.4, w=_m(w))
    day = st.calc(f"{_m(w)} x {h}", "$", "Each day {he} earn{s} {eq}.", "A day of work pays {eq}.")
    week = st.calc(f"{_m(day)} x {d}", "$", "For the week that is {eq}.", "{His} regular weekly pay is {eq}.")
    if ot:
        rate = st.calc(f"{_m(w)} x 1.5", "$", "The overtime rate is {eq} per hour.", "Overtime pays {eq} an hour.")
        extra = st.calc(f"{_m(rate)} x {ot}", "$", "Overtime adds {eq}.", "The extra hours pay {eq}.")
        week = st.calc(f"{_m(week)} + {_m(extra)}", "$", "So {he} make{s} {eq} a week.", "{His} weekly total is {eq}.")
    if weeks > 1:
        week = st.calc(f"{_m(week)} x {weeks}", "$", "Over all the weeks {he} earn{s} {eq}.", "For the whole period that is {eq}.")
    if spend:
        st.say("{He} spend{s} {c} on {t}.", odds=0.5, c=_m(cost), t=thing)
        st.calc(f"{_m(week)} - {_m(cost)}", "$", "{He} {has} {eq} left.", "That leaves {eq}.")


_GOALS = (("a new laptop", 800, 1600), ("a bike", 300, 700), ("a camera", 500, 1200), ("a beach trip", 1000, 2500),
          ("a guitar", 250, 800), ("a used car", 2500, 6000), ("a gaming console", 300, 600), ("a telescope", 400, 1000))


def _savings(st: _Story) -> None:
    r = st.r
    goal, lo, hi = r.choice(_GOALS)
    price = r.randrange(lo, hi + 1, 50)
    fee = r.choice((15, 20, 25, 30, 40)) if r.random() < 0.3 else 0
    gift = r.randrange(50, 201, 25) if r.random() < 0.4 else 0
    allow = r.randint(20, 80) / 2
    chores = (r.randint(2, 10), r.randint(2, 5)) if r.random() < 0.5 else None
    weekly = allow + (chores[0] * chores[1] if chores else 0)
    cap = int((price + fee - gift - 1) // weekly)  # weeks that still leave some money saved already
    if cap < 3:
        chores, gift, weekly = None, 0, allow
        cap = int((price + fee - 1) // weekly)
    weeks = r.randint(3, min(40, cap))
    saved = price + fee - gift - weekly * weeks
    st.ask("{name} is saving for {goal} that costs {p}{fee}.", "{name} wants to buy {goal} priced at {p}{fee}.",
           goal=goal, p=_m(price), fee=f" plus a {_m(fee)} fee" if fee else "")
    st.ask("{He} {has} already saved {s}.", "So far {he} {has} put away {s}.", s=_m(saved))
    if gift:
        st.ask("{His} grandmother gives {him} {g} toward it.", "For {his} birthday {he} get{s} {g} from {his} aunt.", g=_m(gift))
    if chores:
        st.ask("Each week {he} get{s} {a} in allowance and earn{s} {c} for each of {n} chores.", a=_m(allow), c=_m(chores[0]), n=chores[1])
    else:
        st.ask("{He} save{s} {a} every week.", "Every week {he} put{s} {a} into {his} savings.", a=_m(allow))
    st.ask("How many weeks will it take {him} to reach {his} goal?", "How many more weeks {does} {he} need to save?")
    total = price
    if fee:
        total = st.calc(f"{_m(price)} + {_m(fee)}", "$", "The full cost is {eq}.", "With the fee the price is {eq}.")
    st.say("{He} {has} saved {s} so far.", odds=0.5, s=_m(saved))
    have = saved
    if gift:
        have = st.calc(f"{_m(saved)} + {_m(gift)}", "$", "With the gift {he} {has} {eq}.", "Adding the gift gives {eq}.")
    need = st.calc(f"{_m(total)} - {_m(have)}", "$", "{He} still need{s} {eq}.", "The amount left to save is {eq}.")
    if chores:
        earned = st.calc(f"{_m(chores[0])} x {chores[1]}", "$", "Chores bring in {eq} a week.", "From chores {he} earn{s} {eq}.")
        st.calc(f"{_m(allow)} + {_m(earned)}", "$", "So {he} save{s} {eq} each week.", "Each week adds {eq}.")
    st.calc(f"{_m(need)} / {_m(weekly)}", "weeks", "That takes {eq}.", "{He} need{s} {eq} to reach the goal.")


_CLUBS = (("a gym", "fitness classes", "class"), ("a music school", "extra lessons", "lesson"),
          ("a swim club", "private lessons", "lesson"), ("a climbing gym", "coaching sessions", "session"),
          ("an art studio", "workshops", "workshop"))


def _membership(st: _Story) -> None:
    r = st.r
    club, extras, one = r.choice(_CLUBS)
    fee = r.randint(30, 160) / 2
    classes = (r.randint(2, 8), r.randint(5, 25)) if r.random() < 0.5 else None
    months = 12 if r.random() < 0.6 else r.randint(3, 10)
    signup = r.randrange(25, 151, 25) if r.random() < 0.5 else 0
    compare = months == 12 and r.random() < 0.4
    if not (classes or signup or compare):
        signup = 50  # one step alone is too short a problem
    total = (fee + (classes[0] * classes[1] if classes else 0)) * months + signup
    yearly = int(total * r.choice((0.7, 0.75, 0.8, 0.85))) // 10 * 10
    st.ask("{name} joins {club} that charges {m} per month.", "{name} signs up at {club} for {m} a month.", club=club, m=_m(fee))
    if classes:
        st.ask("{He} also take{s} {n} {x} each month at {c} per {one}.", n=classes[0], x=extras, c=_m(classes[1]), one=one)
    if signup:
        st.ask("There is a one-time joining fee of {f}.", f=_m(signup))
    span = "for a whole year" if months == 12 else f"for {months} months"
    if compare:
        st.ask("The club also sells a yearly pass for {y}.", y=_m(yearly))
        st.ask("How much would {he} save by buying the yearly pass instead?", "How much cheaper is the yearly pass?")
    else:
        st.ask("How much {does} {he} pay {span}?", "What is {his} total cost {span}?", span=span)
    st.say("The membership is {m} per month.", odds=0.5, m=_m(fee))
    monthly = fee
    if classes:
        cost = st.calc(f"{classes[0]} x {_m(classes[1])}", "$", "The {x} cost {eq} a month.", "Each month the {x} add {eq}.", x=extras)
        monthly = st.calc(f"{_m(fee)} + {_m(cost)}", "$", "Each month {he} pay{s} {eq}.", "The monthly total is {eq}.")
    pay = st.calc(f"{_m(monthly)} x {months}", "$", "Over the months that is {eq}.", "For the whole period {he} pay{s} {eq}.")
    if signup:
        pay = st.calc(f"{_m(pay)} + {_m(signup)}", "$", "Adding the joining fee gives {eq}.", "With the fee the total is {eq}.")
    if compare:
        st.say("The yearly pass costs {y}.", odds=0.5, y=_m(yearly))
        st.calc(f"{_m(pay)} - {_m(yearly)}", "$", "The yearly pass saves {eq}.", "{He} would save {eq}.")
