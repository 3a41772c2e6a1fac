"""`msp tutorial`: a guided case for training, with the MSP practice behind each question.

Each scenario is a fictional person in a situation the MSP evaluation describes. Before
each step of the real wizard a coaching note says what good practice looks like there
and what this person has told you; at the end, the case view and where the case will
count in the reports.
"""

from __future__ import annotations

from dataclasses import dataclass

STEP_PRACTICE = {
    1: "Start with the person, not the process. Record only what you need: a reference is enough;"
    " a name is optional. If they have been referred before, look at what happened last time.",
    2: "Record what the concern is about and where. The decision to make an enquiry is yours with"
    " the person: a Section 42 enquiry where the duty applies, another enquiry where it helps them.",
    3: "Ask for consent, and respect the answer unless others are at risk, a crime may have been"
    " committed, or the person lacks capacity or is under pressure. Say why if you go ahead.",
    4: "Capacity is decision-specific and time-specific. Assume capacity. Where it is lacking, make"
    " the decision in the person's best interests and make sure someone supports them.",
    5: "Ask the person what they want to happen, and write it in their words, even if it cannot"
    " happen as they say it. That is the heart of Making Safeguarding Personal.",
    6: "Now work through with them what can be done. Where the agreed outcome differs, record why:"
    " the law, what may be shared, risk to others, or what is realistic.",
    7: "Choose the responses that will get there: the MSP toolkit lists approaches that work.",
}


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    story: str
    notes: dict[int, str]  # what this person says, step by step


SCENARIOS = (
    Scenario(
        "money",
        "Financial abuse by a son she wants to keep seeing",
        "Mrs A, 82, lives alone. Her bank rang: her pension is withdrawn the day it arrives. Her son"
        " collects it 'to help'. She is frightened of running out of money, and more frightened of"
        " losing him.",
        {
            2: "The bank's call is the concern. The risk is financial, by someone she knows, at home.",
            3: "She agrees to you looking into it, as long as her son is not arrested.",
            4: "She understands what is happening and what could be done: she has capacity for this.",
            5: "In her words: 'I want him to stop taking my money, but I still want to see him.'",
            6: "She cannot stop the bank acting on fraud, but a safety plan and an appointee can keep"
            " the relationship: record what was agreed and why it differs.",
        },
    ),
    Scenario(
        "home",
        "Domestic abuse: safety planning, not leaving",
        "Ms B, 45, has a learning disability and lives with her partner. A neighbour reported shouting"
        " and a bruise. Ms B says she loves him and will not leave.",
        {
            2: "Domestic abuse and psychological abuse, at home, by someone known to her.",
            3: "She does not want an enquiry. Others may be at risk (children visit): record why you go on.",
            4: "With easy-read information and time she can weigh up her options: she has capacity.",
            5: "In her words: 'I don't want to leave him, I just want the shouting to stop.'",
            6: "A safety plan and a domestic abuse worker, staying at home: not what she first asked,"
            " but what she agreed.",
        },
    ),
    Scenario(
        "care-home",
        "A care home concern where the person will not come to meetings",
        "Mr C, 91, lives in a nursing home. Staff left him on the floor overnight. He has dementia,"
        " finds meetings upsetting and will not attend them.",
        {
            2: "Neglect by a service provider, in a nursing home.",
            3: "He cannot consent to the enquiry: it goes ahead because he lacks capacity to consent.",
            4: "He lacks capacity for decisions about this enquiry. His daughter supports him; an advocate"
            " is offered too.",
            5: "Through his daughter and at his bedside: 'I want the night staff to come when I ring.'",
            6: "The home's disciplinary action cannot be shared with the family: record the reason.",
        },
    ),
)


def scenario(key: str | None) -> Scenario:
    if key is None:
        return SCENARIOS[0]
    for s in SCENARIOS:
        if s.key == key:
            return s
    from msp_cli.errors import UsageProblem

    raise UsageProblem(f"--scenario {key!r} is not one of: {', '.join(s.key for s in SCENARIOS)}.")


def coaching(s: Scenario) -> dict[int, str]:
    """The note shown before each wizard step: the practice, then what this person says."""
    notes = {}
    for step, practice in STEP_PRACTICE.items():
        note = f"MSP practice: {practice}"
        if step in s.notes:
            note += f"\nIn this case: {s.notes[step]}"
        notes[step] = note
    return notes
