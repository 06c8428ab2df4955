"""What the dead-code check (`vulture`, run by `make test`) cannot see being used.

Django and Celery find these by name or through dotted strings (settings, app configs); the others are
public helpers whose callers are the tests. Never imported: vulture only reads the names.
"""

# ruff: noqa: B018
from funds.apps import FundsConfig
from funds.home import city_budget, manager_funds
from ipops.api.authentication import CityTokenAuthentication
from ipops.api.pagination import Pagination
from ipops.apps import IpopsConfig
from ipops.i18n import ChineseFirstLocaleMiddleware
from ipops.ids import normalize_patent_number
from ipops.management.commands import demo_logins, run_job, seed_demo, verify_audit
from ipops.tenancy import is_wall_statement
from pledge_finance.apps import PledgeFinanceConfig
from pledge_finance.home import city_pledge, enterprise_loans, institution_queue
from reporting.apps import ReportingConfig
from subsidies.apps import SubsidiesConfig
from trading.apps import TradingConfig
from trading.home import city_trading, holder_trading, market_watch
from trading.rules import centre_meets_national_level

# Named in settings (INSTALLED_APPS, MIDDLEWARE, REST_FRAMEWORK).
FundsConfig, IpopsConfig, PledgeFinanceConfig, ReportingConfig, SubsidiesConfig, TradingConfig
ChineseFirstLocaleMiddleware, CityTokenAuthentication, Pagination
# Management commands: Django finds `Command` in each module.
demo_logins.Command, run_job.Command, seed_demo.Command, verify_audit.Command
# Home panels, named by dotted path in the apps' `home_panels()`.
city_pledge, enterprise_loans, institution_queue, city_trading, holder_trading, market_watch, city_budget
manager_funds
# Public helpers the tests call: the wall's statements in query counts, the canonical patent number, and
# the national-level centre threshold ([003]) that reporting will read.
is_wall_statement, normalize_patent_number, centre_meets_national_level
# Subsidies' home panels, named by dotted path in `SubsidiesConfig.home_panels()`.
from subsidies.home import bureau_claims, claimant_claims  # noqa: E402

bureau_claims, claimant_claims
# Reporting's home panel, named by dotted path in `ReportingConfig.home_panels()`.
from reporting.home import city_scoreboard  # noqa: E402

city_scoreboard
# Accounts' security, named by dotted path in settings (INSTALLED_APPS, MIDDLEWARE, AUTHENTICATION_BACKENDS,
# AUTH_PASSWORD_VALIDATORS) or called by DRF (the token authentication's override) and Django (process_view).
from ipops.security.apps import SecurityConfig  # noqa: E402
from ipops.security.backends import LockoutBackend, PasswordBackend  # noqa: E402
from ipops.security.middleware import ReauthMiddleware, SecondFactorMiddleware  # noqa: E402
from ipops.security.passwords import (  # noqa: E402
    CharacterClassesValidator,
    PlaceNameValidator,
    WhitespaceValidator,
)

(
    SecurityConfig,
    LockoutBackend,
    PasswordBackend,
    SecondFactorMiddleware,
    WhitespaceValidator,
    PlaceNameValidator,
)
CharacterClassesValidator, CityTokenAuthentication.authenticate_credentials, ReauthMiddleware.process_view
# The API's request-size middleware and JSON parser, named by dotted path in settings.
from ipops.api.exceptions import RequestSizeMiddleware  # noqa: E402
from ipops.api.parsers import JSONParser  # noqa: E402

RequestSizeMiddleware, JSONParser
