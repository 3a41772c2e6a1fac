"""What people say they want, in their own words: the phrase library of the demonstration data.

Fictional, written in the voice practitioners record (the MSP evaluation quotes many such);
several for each desired outcome category (docs/vocabularies.md), so demo cases read like people.
"""

from __future__ import annotations

PHRASES: dict[str, tuple[str, ...]] = {
    "To be and to feel safer": (
        "I just want to feel safe in my own home again",
        "I want the door fixed so nobody can walk in at night",
        "I want to stop being frightened when he comes round",
        "I want the carers to come on time so I'm not left on the floor",
        "I'd like to be able to sleep without worrying",
        "I want to be safe, but I don't want a fuss made",
        "I want someone to check on me so I'm not on my own all day",
        "I don't want to be scared of the other residents any more",
        "Make it stop. That's all I want.",
    ),
    "To maintain key relationships": (
        "I want my son to stop taking my pension, but I still want to see him",
        "I don't want to leave him, I just want the shouting to stop",
        "Please don't stop my grandchildren visiting",
        "She's my daughter. I want her help, not her going to prison",
        "I want to keep seeing my friends at the day centre",
        "I want my family to stay together",
        "I don't want him told I've spoken to you, he's all I've got",
    ),
    "To gain or maintain control over the situation": (
        "I want to decide for myself what happens with my money",
        "I want to be the one who says who comes into my house",
        "Leave me to make my own choices, I've managed this long",
        "I want my bank card back in my own purse",
        "I want to choose my own carers",
        "I want a say in what happens next, not everyone deciding for me",
    ),
    "To know that this won't happen to anyone else": (
        "I don't want this to happen to anyone else in the home",
        "I want the agency to train their staff properly so nobody else gets hurt",
        "Just make sure he can't do it to another old person",
        "I want the manager to know, so it gets sorted for everyone",
        "I want them to change how they do the night shift",
    ),
    "To have access to justice or an apology, or to know that disciplinary or other action has been taken": (
        "I want them taken outside and shot",
        "I want an apology from the home, to my face",
        "I want the police involved, he stole from me",
        "I want her sacked for what she did",
        "I want my money back and I want him to say sorry",
        "I want someone to admit it was wrong",
    ),
    "To be involved in making decisions": (
        "I want to be at the meeting, not talked about behind my back",
        "Ask me first before you do anything",
        "I want my advocate with me when decisions are made",
        "I want to read what you write about me",
        "Tell me what my options are and let me think about it",
    ),
    "To be able to protect self in the future": (
        "I want to know how to say no when they ask for money",
        "I want to learn how to spot the scam calls",
        "I want a safety plan I can use if it starts again",
        "I'd like to know who to trust with my bank details",
        "I want to be able to stand up for myself",
    ),
    "To have exercised choice": (
        "I want to stay in my own flat, whatever the risk",
        "I want to go home from hospital, not to a home",
        "I chose to go back to him and I want that respected",
        "I want to move to the flat near my sister",
    ),
    "To know where to get help": (
        "I want to know who to ring if it gets bad again",
        "I'd like a number I can call at night",
        "I want to know where to go for help with my benefits",
        "I want to know there's somewhere I can go if I need to leave",
    ),
    "To get new friends": (
        "I'd like to meet people who aren't like him",
        "I want to get out and meet people again",
        "I'd like to go to a group where I can make friends",
    ),
    "To have help to recover": (
        "I want some counselling to get over it",
        "I want help to feel like myself again",
        "I'd like to talk to someone about what happened",
    ),
    "Other": (
        "I want my dog looked after if I have to go into hospital",
        "I want my house to be cleaned up, but only my way",
        "I want to get my own front door key back",
        "I'd like my glasses fixed so I can see who's at the door",
    ),
}

NEGOTIATED: dict[str, tuple[str, ...]] = {
    "The law": (
        "Police informed; the criminal process explained to her",
        "Reported to the police; she was told what they can do",
    ),
    "Employment law or what may be shared": (
        "The provider is taking disciplinary action; the outcome cannot be shared",
        "The agency has acted; staffing details cannot be shared with him",
    ),
    "The public interest": (
        "The concern was shared with the regulator",
        "The police were told because others may be at risk",
    ),
    "Risk to other adults": (
        "A safety plan that lets him see his son at the day centre only",
        "The home has moved the other resident and increased checks",
    ),
    "Not realistic or achievable": (
        "A safety plan and a domestic abuse worker; she stays at home",
        "Appointeeship for his benefits, with a weekly allowance he manages",
        "Daily check-in calls instead of someone there all day",
    ),
    "The person changed their mind": (
        "She decided she no longer wanted the police involved",
        "He chose to stay where he is",
    ),
    "Other": ("A family meeting to agree how visits will work", "Support to open a bank account only she can use"),
}

SAYS_NOW = (
    "It's better than it was",
    "I'm still worried but I know who to call",
    "He's stopped coming round so much",
    "The carers are on time now, mostly",
    "I don't want to talk about it today",
    "I feel a lot safer",
    "Nothing has changed yet",
)

FEEDBACK_WORDS = (
    "You listened to me and did what I asked",
    "It took too long but I'm glad it's sorted",
    "I didn't like the meeting, too many people",
    "I felt in charge for once",
    "Thank you for not making me go to the police",
    "I still don't feel safe",
)

CLOSURE_NOTES = (
    "Safety plan in place; the person knows how to get help",
    "Provider's action plan agreed and monitored through contracts",
    "Outcomes reviewed with the person and their advocate at closure",
    "Person chose to accept the risk; their decision is recorded",
)

NO_ENQUIRY_ACTIONS = (
    "Advice and information given; signposted to Age UK",
    "Care and support assessment arranged instead",
    "Referred to the GP and the community mental health team",
    "Passed to the provider's complaints process with the person's agreement",
    "No further action: the person has capacity and declined support",
)
