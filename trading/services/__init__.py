"""Every write of the marketplace. `<entity>_<action>(*, actor, ...)`, atomic, row locked before the state check.

Lifecycles are `trading.lifecycles`: a service locks the row with its workflow and moves it with
`apply`, which checks permission, state and guard, saves and audits. Lock order, everywhere:
listing → negotiation → offer → transaction → assets (the registry locks assets in id order).
"""

from trading.services.buy_requests import (
    buy_request_close,
    buy_request_create,
    buy_request_reopen,
    buy_request_search_fields,
    buy_request_update,
)
from trading.services.centres import centre_create, centre_member_add, centre_member_remove
from trading.services.enquiries import enquiry_answer, enquiry_close, enquiry_send
from trading.services.listings import (
    listing_create,
    listing_expire_due,
    listing_publish,
    listing_search_fields,
    listing_update,
    listing_withdraw,
)
from trading.services.matches import buy_request_matches_refresh, listing_matches_propagate
from trading.services.negotiations import (
    message_post,
    negotiation_close,
    offer_accept,
    offer_counter,
    offer_make,
    offer_reject,
    offer_withdraw,
)
from trading.services.transactions import (
    transaction_cancel,
    transaction_complete,
    transaction_pay,
    transaction_record_contract,
)

__all__ = [
    "buy_request_close",
    "buy_request_create",
    "buy_request_matches_refresh",
    "buy_request_reopen",
    "buy_request_search_fields",
    "buy_request_update",
    "centre_create",
    "centre_member_add",
    "centre_member_remove",
    "enquiry_answer",
    "enquiry_close",
    "enquiry_send",
    "listing_create",
    "listing_expire_due",
    "listing_matches_propagate",
    "listing_publish",
    "listing_search_fields",
    "listing_update",
    "listing_withdraw",
    "message_post",
    "negotiation_close",
    "offer_accept",
    "offer_counter",
    "offer_make",
    "offer_reject",
    "offer_withdraw",
    "transaction_cancel",
    "transaction_complete",
    "transaction_pay",
    "transaction_record_contract",
]
