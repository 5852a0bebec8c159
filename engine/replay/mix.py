"""The generator's data, in one place: how many dossiers of each procedure a province receives in
half a year, how they come in, how their results go out, how benefits are paid, how often things go
wrong, how long each kind of step takes an officer, and how long outsiders take to answer.

The counts per procedure sum to the office's half-year (121,804 dossiers); smaller runs take the
same shares. The shares of channels and payouts are the office's reported figures (88.2% online,
78% of results by post, 88% of benefits cashless); the rates of refusals, supplements, withdrawals,
failed deliveries and bank rejections are plausible rates, not reported ones.
"""

from __future__ import annotations

HALF_YEAR_DOSSIERS = 121_804

# dossiers per procedure in the half-year (sums to HALF_YEAR_DOSSIERS): the employers' and the
# short-term benefits' procedures dominate, as in a provincial office's reports
PROCEDURE_COUNTS: dict[str, int] = {
    "P01": 14_200,  # employer registration / adjustment
    "P02": 6_100,  # voluntary social insurance
    "P03": 9_800,  # health-insurance-only registration
    "P04": 2_400,  # book reissue
    "P05": 5_300,  # correction of personal data
    "P06": 8_900,  # card reissue
    "P07": 1_300,  # refund of contributions
    "P08": 2_600,  # pension
    "P09": 7_400,  # one-time withdrawal
    "P10": 17_900,  # sickness
    "P11": 15_600,  # maternity
    "P12": 4_100,  # convalescence
    "P13": 420,  # work accident, first claim
    "P14": 180,  # work accident, recurrence
    "P15": 90,  # assistive devices
    "P16": 2_200,  # survivors
    "P17": 350,  # pension transfer to another province
    "P18": 1_900,  # change of payment method
    "P19": 260,  # resumption of a pension
    "P20": 40,  # emigration allowance
    "P21": 6_300,  # direct reimbursement of medical costs
    "P22": 2_900,  # certificate of no co-payment
    "P23": 6_800,  # confirmation of contribution history
    "P24": 3_200,  # electronic transactions registration
    "P25": 86,  # contracts with medical facilities
    "P26": 980,  # monthly allowance without a pension
    "P27": 498,  # maternity allowance for voluntary contributors
}

# how dossiers come in (DossierService.start's channel)
CHANNELS = {"online": 0.882, "counter": 0.080, "post": 0.038}
# how results go out (the application's result_channel)
RESULT_CHANNELS = {"post": 0.78, "counter": 0.12, "electronic": 0.10}
CASHLESS = 0.88  # of the benefit dossiers paid out

# what becomes of a dossier: its outcome, the share of dossiers, and the procedure's declared path
# (workflows/*.yaml) the outcome starts from. "main" is the rest: accepted, processed, approved.
OUTCOMES: dict[str, float] = {
    "refused": 0.015,  # refused at the desk (form 03)
    "not_eligible": 0.015,  # reviewed, found not eligible, a decision letter
    "withdrawn": 0.008,  # the applicant withdraws during processing
    "supplement_at_reception": 0.07,  # papers missing at reception, supplied
    "supplement_timeout": 0.006,  # papers missing, never supplied: processing stopped
    "supplement_during_processing": 0.03,  # the reviewer asks once more, supplied
    "sent_back": 0.015,  # leadership sends it back to the reviewer once
}
OUTCOME_PATHS = {
    "refused": "refusal",
    "not_eligible": "not_eligible",
    "withdrawn": "withdrawal",
    "supplement_at_reception": "supplement_at_reception",
    "supplement_timeout": "supplement_at_reception",  # its first step, then the wait runs out
    "supplement_during_processing": "supplement_during_processing",
    "sent_back": "sent_back",
}
FAILED_DELIVERY = 0.03  # of the results sent by post: the first delivery fails, the desk sends again
BANK_REJECTED = 0.012  # of the cashless payouts: the bank rejects the account, finance resends

SUPPLEMENT_WAIT = "P31D"  # past the procedures' time allowed for a supplement

# minutes of an officer's time a step takes, on average (each draw is 0.5-1.5 times this); by the
# task's purpose in the shared steps' metadata (workflows/shared/*.yaml) first, else by its role
TASK_MINUTES_BY_PURPOSE = {
    "intake": 5.0,
    "intake_recheck": 3.0,
    "supplement_request": 5.0,
    "return_counter": 3.0,
    "return_post": 1.5,
    "return_redelivery": 4.0,
}
TASK_MINUTES_BY_ROLE = {
    "desk": 5.0,
    "collection": 14.0,
    "books_cards": 12.0,
    "benefits": 18.0,
    "hi_assessment": 20.0,
    "finance": 6.0,
    "leadership": 1.5,
}
DEFAULT_TASK_MINUTES = 10.0

# officers per role for the full half-year (smaller runs scale it down, at least one each)
STAFF: dict[str, int] = {
    "desk": 20,
    "collection": 11,
    "books_cards": 12,
    "benefits": 20,
    "hi_assessment": 4,
    "finance": 2,
    "leadership": 5,
}

# hours outsiders take to answer a step (drawn uniformly between the two)
MESSAGE_HOURS = {
    "supplement_received": (24.0, 240.0),
    "withdrawal_requested": (4.0, 72.0),
    "postal_delivered": (20.0, 72.0),
    "postal_failed": (20.0, 72.0),
    "bank_confirmed": (1.0, 20.0),  # within the payout's two working days of silence
    "bank_rejected": (1.0, 20.0),
    "cash_paid": (24.0, 120.0),
}
DEFAULT_MESSAGE_HOURS = (4.0, 48.0)
