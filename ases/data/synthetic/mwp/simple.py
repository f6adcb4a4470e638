"""Easier word problems for ``data.level`` 1 and 2: whole numbers, few steps.

Level 1: two steps with small whole numbers (at most 30 given; "{name} has a, gets b more,
gives c away"). Level 2: three steps with whole numbers up to 100 (the same stories with a
third step: sharing equally, or buying several times as many). Level 3 is the full set of
templates in :mod:`ases.data.synthetic.mwp.generate`. Every CoT restates some given facts
(extractive sentences) and computes one new number per step (abstractive sentences), as
the harder templates do.
"""

from __future__ import annotations

from ases.data.synthetic.mwp.story import _person, _pl, _Story

_THINGS = (("apple", "apples"), ("marble", "marbles"), ("sticker", "stickers"), ("pencil", "pencils"),
           ("shell", "shells"), ("card", "cards"), ("cookie", "cookies"), ("book", "books"),
           ("balloon", "balloons"), ("stamp", "stamps"), ("toy car", "toy cars"), ("flower", "flowers"))
_BAGS = (("bag", "bags"), ("box", "boxes"), ("jar", "jars"), ("basket", "baskets"))


def _gain_lose(st: _Story, hi: int) -> str:
    """a + b, then - c: "{name} has a, gets b more, gives c away"."""
    r = st.r
    one, many = r.choice(_THINGS)
    friend = _person(r, avoid=st.ctx["name"])[0]
    a, b = r.randint(2, hi), r.randint(2, hi)
    c = r.randint(1, min(hi, a + b - 1))
    st.ask("{name} has {a}.", "{name} collects {a}.", a=_pl(a, one, many))
    st.ask("{He} get{s} {b} more from {f}.", "Then {he} find{s} {b} more.", b=b, f=friend)
    st.ask("{He} give{s} {c} away.", "{He} give{s} {c} to {f}.", c=c, f=friend)
    st.say("{name} has {a} at first.", "{He} start{s} with {a}.", odds=0.8, a=_pl(a, one, many))
    st.say("{He} get{s} {b} more.", "Then {he} get{s} {b} more.", odds=0.6, b=b)
    s = st.calc(f"{a} + {b}", many, "Now {he} {has} {eq}.", "That makes {eq}.")
    st.say("{He} give{s} {c} away.", "Then {he} give{s} away {c}.", odds=0.6, c=c)
    st.calc(f"{s:.0f} - {c}", many, "So {he} {has} {eq} left.", "That leaves {eq}.")
    return many


def _groups_eat(st: _Story, hi: int) -> str:
    """a x b, then - c: "a bags with b in each; c are used"."""
    r = st.r
    one, many = r.choice(_THINGS)
    bag, bags = r.choice(_BAGS)
    a, b = r.randint(2, max(3, hi // 5)), r.randint(2, max(3, hi // 3))
    c = r.randint(1, min(hi, a * b - 1))
    st.ask("{name} has {a} {bags} with {b} {many} in each {bag}.", a=a, b=b, bag=bag, bags=bags, many=many)
    st.ask("{He} use{s} {c} of them.", "{He} give{s} {c} of them to {his} class.", c=c)
    st.say("There are {a} {bags} with {b} {many} in each.", "{name} has {a} {bags} of {b}.", odds=0.8,
           a=a, b=b, bags=bags, many=many)
    total = st.calc(f"{a} x {b}", many, "In all {he} {has} {eq}.", "That is {eq} in all.")
    st.say("{He} use{s} {c} of them.", odds=0.6, c=c)
    st.calc(f"{total:.0f} - {c}", many, "So {eq} are left.", "That leaves {eq}.")
    return many


def _two_days(st: _Story, hi: int) -> str:
    """a + b, then - c: "a on Monday, b on Tuesday; c are lost"."""
    r = st.r
    one, many = r.choice(_THINGS)
    a, b = r.randint(2, hi), r.randint(2, hi)
    c = r.randint(1, min(hi, a + b - 1))
    st.ask("{name} makes {a} on Monday and {b} on Tuesday.", a=_pl(a, one, many), b=b)
    st.ask("{He} lose{s} {c} of them.", "{c} of them break.", c=c)
    st.say("{He} make{s} {a} on Monday.", "On Monday {he} make{s} {a}.", odds=0.8, a=a)
    st.say("{He} make{s} {b} on Tuesday.", "On Tuesday {he} make{s} {b}.", odds=0.6, b=b)
    s = st.calc(f"{a} + {b}", many, "Over the two days {he} make{s} {eq}.", "That is {eq} in two days.")
    st.say("{c} of them are lost.", odds=0.6, c=c)
    st.calc(f"{s:.0f} - {c}", many, "So {eq} are left.", "That leaves {eq}.")
    return many


_LEVEL_1 = {"gain_lose": _gain_lose, "groups_eat": _groups_eat, "two_days": _two_days}


def _third_step(st: _Story, many: str) -> None:
    """A third step on the last result: share it equally (when it divides) or take it k times."""
    r, last = st.r, int(st.last)
    ways = [k for k in range(2, 6) if last % k == 0]
    if ways and r.random() < 0.5:
        k = r.choice(ways)
        st.ask("{He} share{s} them equally among {k} friends. How many {many} does each friend get?",
               k=k, many=many)
        st.say("{He} share{s} them among {k} friends.", odds=0.6, k=k)
        st.calc(f"{last} / {k}", many, "Each friend gets {eq}.", "So each one gets {eq}.")
    else:
        k = r.randint(2, 4)
        st.ask("{His} cousin has {k} times as many. How many {many} does {his} cousin have?", k=k, many=many)
        st.say("{His} cousin has {k} times as many.", odds=0.6, k=k)
        st.calc(f"{last} x {k}", many, "{His} cousin has {eq}.", "So the cousin has {eq}.")


def write_simple(st: _Story, level: int, name: str) -> None:
    """Writes one level-1 (two steps, at most 30 given) or level-2 (three steps, up to 100)
    problem with template ``name`` into ``st``."""
    hi = 30 if level == 1 else 100
    many = _LEVEL_1[name](st, hi)
    if level == 1:
        st.ask("How many {many} does {name} have now?", "How many {many} are left?", many=many)
    else:
        _third_step(st, many)


TEMPLATES_SIMPLE = tuple(_LEVEL_1)
