"""Time and rate templates: travel, schedule and duration."""

from __future__ import annotations

from ases.data.synthetic.mwp.story import _clock, _f, _gap, _join, _pl, _Story, _third

_MODES = (("drive{s}", "miles", 30, 70), ("cycle{s}", "kilometers", 10, 24), ("ride{s} a train", "kilometers", 60, 120),
          ("walk{s}", "miles", 2, 4), ("sail{s}", "miles", 6, 16))
_HOURS = (0.5, 1, 1.5, 2, 2.5, 3)
_PLACES = ("the lake", "the coast", "the mountain cabin", "the next town", "the national park", "the city museum")


def _travel(st: _Story) -> None:
    r = st.r
    verb, unit, lo, hi = r.choice(_MODES)
    legs = [(r.randrange(lo, hi + 1, 2), r.choice(_HOURS)) for _ in range(r.choice((1, 1, 2, 2, 3)))]
    far = len(legs) == 1 or r.random() < 0.6  # ask how far is left (a lone leg needs a second step)
    rest = far and r.random() < 0.5  # then how long the rest takes
    v, t = r.randrange(lo, hi + 1, 2), r.choice(_HOURS)
    left = v * t if rest else r.randint(2, 30) * (5 if lo >= 10 else 1)
    trip = sum(a * b for a, b in legs) + left
    place = r.choice(_PLACES)
    if far:
        st.ask("{name} is going to {place} which is {d} {unit} away.", "{name} sets out for {place} {d} {unit} from home.",
               place=place, d=_f(trip), unit=unit)
    for i, (a, b) in enumerate(legs):
        first = ("{He} {verb} at {a} {unit} per hour for {t}.", "For {t} {he} {verb} at {a} {unit} per hour.")
        if i == 0 and not far:
            first = ("{name} {vb} at {a} {unit} per hour for {t}.",)
        later = ("Then {he} {verb} at {a} {unit} per hour for {t}.", "After that {he} {verb} for {t} at {a} {unit} per hour.")
        st.ask(*(first if i == 0 else later), verb=verb, vb=_third(verb), a=a, unit=unit, t=_pl(b, "hour"))
    if rest:
        st.ask("How many hours will the rest of the trip take at {v} {unit} per hour?",
               "If {he} go{es} {v} {unit} per hour for the rest of the way, how many hours will that take?", v=v, unit=unit)
    elif far:
        st.ask("How many {unit} {is} {he} still from {place}?", "How many more {unit} {does} {he} need to go?",
               unit=unit, place=place)
    else:
        st.ask("How far {does} {he} travel in all?", "How many {unit} {does} {he} cover altogether?", unit=unit)
    dists = []
    for nth, (a, b) in zip(("first", "second", "third"), legs, strict=False):
        st.say("{He} {verb} at {a} {unit} per hour for {t}.", odds=0.4, verb=verb, a=a, unit=unit, t=_pl(b, "hour"))
        alts = (("So far {he} {has} gone {eq}.", "{He} cover{s} {eq} in that time.") if len(legs) == 1 else
                ("On the {nth} part {he} cover{s} {eq}.", "The {nth} part of the trip is {eq}.", "{He} go{es} {eq} on the {nth} part."))
        dists.append(st.calc(f"{a} x {_f(b)}", unit, *alts, nth=nth))
    done = dists[0]
    if len(dists) > 1:
        done = st.calc(" + ".join(map(_f, dists)), unit, "In total {he} {has} gone {eq}.", "Together the parts make {eq}.")
    if far:
        st.say("The whole trip is {d} {unit}.", odds=0.5, d=_f(trip), unit=unit)
        left = st.calc(f"{_f(trip)} - {_f(done)}", unit, "{He} still {has} {eq} to go.", "That leaves {eq}.",
                       "The distance left is {eq}.")
    if rest:
        st.say("For the rest {he} go{es} {v} {unit} per hour.", odds=0.5, v=v, unit=unit)
        st.calc(f"{_f(left)} / {v}", "hours", "The rest of the trip takes {eq}.", "So the last part takes {eq}.")


_TASKS = ("math homework", "piano practice", "cleaning {his} room", "reading", "a science project", "walking the dog",
          "laundry", "baking bread", "a call with {his} cousin", "drawing", "gardening")
_EVENTS = ("dinner", "{his} soccer practice", "the movie", "{his} dance class", "the school concert")


def _schedule(st: _Story) -> None:
    r = st.r
    plan = []  # (task, minutes, how the question states it, hours or None)
    for task in r.sample(_TASKS, r.choice((2, 2, 3, 3))):
        if r.random() < 0.35:
            h = r.choice((0.5, 0.75, 1, 1.5))
            plan.append((task, int(h * 60), _pl(h, "hour"), h))
        else:
            m = r.randrange(15, 55, 5)
            plan.append((task, m, f"{m} minutes", None))
    brk = r.choice((0, 0, 5, 10, 15))
    start = r.randrange(13 * 60, 17 * 60, 15)
    finish = start + sum(p[1] for p in plan) + brk * (len(plan) - 1)
    due = (finish + 24) // 15 * 15 + 15 * r.randint(0, 4)  # a quarter hour at least ten minutes later
    if finish % 60 == 0 and due // 60 == finish // 60:
        due += 60  # "15 - 0" is not a step anyone writes
    event = r.choice(_EVENTS)
    st.ask("{name} begins {his} afternoon at {t}.", "{name} gets home at {t} and starts on {his} plans.", t=_clock(start))
    st.ask("{He} spend{s} {d}.", d=_join([f"{txt} on {task}" for task, _, txt, _ in plan]))
    if brk:
        st.ask("{He} take{s} a {b}-minute break between tasks.", "Between tasks {he} rest{s} for {b} minutes.", b=brk)
    st.ask("How many minutes before {event} at {due} {does} {he} finish?",
           "{event} starts at {due}. How many minutes of free time {does} {he} have before it?", event=event, due=_clock(due))
    st.say("{He} start{s} at {t}.", "{name} begins at {t}.", odds=0.6, t=_clock(start))
    mins = []
    for task, m, txt, h in plan:
        if h is None:
            st.say("{task} takes {txt}.", odds=0.3, task=task, txt=txt)
        else:
            st.calc(f"{_f(h)} x 60", "minutes", "Time spent on {task} is {eq}.", "In minutes {task} takes {eq}.", task=task)
        mins.append(m)
    if brk and len(plan) == 3:
        st.say("{He} take{s} two breaks of {b} minutes.", odds=0.5, b=brk)
        mins.append(st.calc(f"2 x {brk}", "minutes", "The breaks add {eq}.", "Breaks take {eq}."))
    elif brk:
        st.say("There is one {b}-minute break.", odds=0.5, b=brk)
        mins.append(brk)
    st.calc(" + ".join(map(_f, mins)), "minutes", "All together {he} need{s} {eq}.", "The whole plan takes {eq}.")
    st.say("So {he} finish{es} at {t}.", "That means {he} {is} done at {t}.", t=_clock(finish))
    st.say("{event} is at {t}.", odds=0.5, event=event, t=_clock(due))
    st.calc(_gap(finish, due), "minutes", "From finishing to {event} there are {eq}.", "The time left is {eq}.",
            "{He} {has} {eq} to spare.", event=event)


_HABITS = (("practice{s} the violin", "practicing the violin"), ("read{s}", "reading"), ("swim{s} laps", "swimming laps"),
           ("play{s} chess", "playing chess"), ("train{s} for a race", "training"), ("paint{s}", "painting"))
_WEEKLY = (("every weekday", 5), ("every day", 7), ("on Saturdays and Sundays", 2), ("three days a week", 3),
           ("four days a week", 4))


def _duration(st: _Story) -> None:
    r = st.r
    act, ger = r.choice(_HABITS)
    days, per_week = r.choice(_WEEKLY)
    two = r.random() < 0.3  # a morning and an evening session each day
    a = r.randrange(6 * 60, 7 * 60 + 31, 5) if two else r.randrange(15 * 60, 18 * 60, 5)
    c = r.randrange(19 * 60, 20 * 60 + 31, 5)
    a, c = a + 5 * (a % 60 == 0), c + 5 * (c % 60 == 0)  # starts off the hour keep "50 - 0" out of the CoT
    b = a + r.randrange(20, 95, 5)
    d = c + r.randrange(15, 50, 5)
    weeks = r.choice((1, 1, 2, 3, 4))
    total = ((b - a) + (d - c) * two) * per_week * weeks
    hours = total % 15 == 0 and r.random() < 0.6  # only ask for hours when they are a tidy decimal
    st.ask("{name} {act1} from {a} to {b}{when} {days}.", act1=_third(act), a=_clock(a), b=_clock(b),
           when=" in the morning" if two else "", days=days)
    if two:
        st.ask("{He} {act} again from {c} to {d} in the evening.", act=act, c=_clock(c), d=_clock(d))
    span = "in a week" if weeks == 1 else f"in {weeks} weeks"
    st.ask("How many {u} {does} {he} spend {ger} {span}?", "How many {u} of {ger} {does} {name} do {span}?",
           u="hours" if hours else "minutes", ger=ger, span=span)
    st.say("{He} {act} from {a} to {b}.", odds=0.5, act=act, a=_clock(a), b=_clock(b))
    daily = st.calc(_gap(a, b), "minutes", "Each session lasts {eq}.", "That session is {eq}.", "One session takes {eq}.")
    if two:
        ev = st.calc(_gap(c, d), "minutes", "The evening session is {eq}.", "In the evening {he} {act} for {eq}.", act=act)
        daily = st.calc(f"{_f(daily)} + {_f(ev)}", "minutes", "Each day that is {eq}.", "So one day has {eq}.")
    st.say("{He} {act} {days}.", odds=0.5, act=act, days=days)
    week = st.calc(f"{_f(daily)} x {per_week}", "minutes", "In one week that is {eq}.", "Each week adds up to {eq}.")
    if weeks > 1:
        week = st.calc(f"{_f(week)} x {weeks}", "minutes", "For all the weeks together that is {eq}.",
                       "Across the weeks {he} spend{s} {eq}.")
    if hours:
        st.calc(f"{_f(week)} / 60", "hours", "In hours that is {eq}.", "Dividing by sixty gives {eq}.")
