"""The labels of the national collection and of MSP practice, letter for letter, in one place.

They are described in docs/vocabularies.md and listed by `msp labels` (msp_cli/labels.py names
each list).

The national return, spreadsheets and other systems match on the exact text, so a label
is never reworded here. schema.sql repeats each list in a CHECK constraint so that the
database refuses a bad label on its own; tests/test_vocab_schema.py keeps the two equal.
"""

from __future__ import annotations

AGE_BAND = ("18-64", "65-74", "75-84", "85-94", "95+", "Not Known")
SEX = ("Male", "Female", "Not Known")
ETHNICITY = (
    "White",
    "Mixed / Multiple",
    "Asian / Asian British",
    "Black / African / Caribbean / Black British",
    "Other Ethnic Group",
    "Refused",
    "Undeclared / Not Known",
)
PRIMARY_SUPPORT_REASON = (
    "Physical Support",
    "Sensory Support",
    "Support with Memory and Cognition",
    "Learning Disability Support",
    "Mental Health Support",
    "Social Support",
    "No Support Reason",
    "Not Known",
)
ENQUIRY_TYPE = ("Section 42", "Other", "None")
SECTION_42 = "Section 42"
NO_ENQUIRY = "None"

RISK_TYPE = (
    "Physical Abuse",
    "Sexual Abuse",
    "Psychological Abuse",
    "Financial or Material Abuse",
    "Discriminatory Abuse",
    "Organisational Abuse",
    "Neglect and Acts of Omission",
    "Domestic Abuse",
    "Sexual Exploitation",
    "Modern Slavery",
    "Self-Neglect",
)
LOCATION_OF_RISK = (
    "Own Home",
    "In the Community",
    "Community Service",
    "Care Home - Nursing",
    "Care Home - Residential",
    "Hospital - Acute",
    "Hospital - Mental Health",
    "Hospital - Community",
    "Other",
)
SOURCE_OF_RISK = (
    "Service Provider",
    "Other - Known to individual",
    "Other - Unknown to individual",
)
RISK_ASSESSMENT_OUTCOME = (
    "Risk identified and action taken",
    "Risk identified and no action taken",
    "Risk Assessment inconclusive and action taken",
    "Risk Assessment inconclusive and no action taken",
    "No risk identified and action taken",
    "No risk identified and no action taken",
    "Enquiry ceased at individual's request and no action taken",
)
RISK_IDENTIFIED_AND_ACTION_TAKEN = RISK_ASSESSMENT_OUTCOME[0]
RISK_OUTCOME = ("Risk remained", "Risk reduced", "Risk removed")

LACKED_CAPACITY = (
    "Yes, they lacked capacity",
    "No, they did not lack capacity",
    "Don't know",
    "Not recorded",
)
LACKED_CAPACITY_YES = LACKED_CAPACITY[0]
LACKED_CAPACITY_NO = LACKED_CAPACITY[1]
CAPACITY_SUPPORT = ("Advocate", "Family or friend", "None")

ASKED_ABOUT_OUTCOMES = (
    "Yes they were asked and outcomes were expressed",
    "Yes they were asked but no outcomes were expressed",
    "No",
    "Don't Know",
    "Not Recorded",
)
ASKED_AND_EXPRESSED = ASKED_ABOUT_OUTCOMES[0]
OUTCOMES_ACHIEVED = ("Fully Achieved", "Partially Achieved", "Not Achieved")
FULLY, PARTLY, NOT_ACHIEVED = OUTCOMES_ACHIEVED

OUTCOME_CATEGORY = (
    "To be and to feel safer",
    "To maintain key relationships",
    "To gain or maintain control over the situation",
    "To know that this won't happen to anyone else",
    "To have access to justice or an apology, or to know that disciplinary or other action has been taken",
    "To be involved in making decisions",
    "To be able to protect self in the future",
    "To have exercised choice",
    "To know where to get help",
    "To get new friends",
    "To have help to recover",
    "Other",
)
RESPONSE = (
    "Mental Capacity and Best Interests",
    "Developing an outcomes focus",
    "Personalised information and advice",
    "Advocacy and buddying",
    "Supported decision making and freedom from undue influence",
    "Dealing with risk in particular relationships, including when employing personal assistants",
    "Support for people who have caused harm",
    "Building resilience, confidence, assertiveness, self-esteem and respect",
    "Achieving Best Evidence skills",
    "Family and networks, including group conferences",
    "Mediation and conflict resolution",
    "Signs of Safety",
    "Restorative justice",
    "Family and domestic abuse \u2013 Cycle of Abuse Model",
    "Therapeutic and counselling support",
    "Brief interventions and Micro skills",
    "Motivational interviewing and cycles of change",
    "Peer support, survivors networks, forums and circles of support",
    "Attachment based approaches",
    "Other",
)
NEGOTIATED_REASON = (
    "The law",
    "Employment law or what may be shared",
    "The public interest",
    "Risk to other adults",
    "Not realistic or achievable",
    "The person changed their mind",
    "Other",
)
EXPRESSED_BY = ("Person", "Representative")
CONSENT_OVERRIDE_REASON = (
    "Risk to other adults",
    "A crime has been or may be committed",
    "The person lacks capacity to consent",
    "Coercion or undue influence",
    "Vital interests",
    "Public interest",
    "Other",
)
CONSENT_LACKS_CAPACITY = "The person lacks capacity to consent"
ADVOCACY_TYPE = ("Care Act advocate", "IMCA", "Other advocate")
MEETING_KIND = (
    "Strategy discussion",
    "Strategy meeting",
    "Case conference",
    "Family group conference",
    "Mediation",
    "Review meeting",
    "Other",
)
MEETING_LOCATION = (
    "Person's home",
    "Care home",
    "Hospital",
    "Council office",
    "Community venue",
    "Phone or video",
    "Other",
)
ATTENDEE = (
    "Person",
    "Family or carer",
    "Advocate",
    "Council adult social care",
    "Other council departments",
    "Police",
    "Ambulance trust",
    "Acute hospital",
    "Primary care",
    "Mental Health trust",
    "Other NHS",
    "Housing providers",
    "Advocacy",
    "Care providers",
)
OUTCOME_PROGRESS = ("Not started", "In progress", "Partly achieved", "Achieved", "No longer wanted")
