"""Excel imports of the funds app, on the core mechanism (`ipops.imports`): a fund manager's fund
records, and the bureau's past special-budget expenditures."""

from funds.imports.expenditures import EXPENDITURES
from funds.imports.records import FUND_RECORDS
from ipops import imports

#: The kinds of import the funds pages and API offer, in the order they are offered.
KINDS = (imports.register(FUND_RECORDS).kind, imports.register(EXPENDITURES).kind)
