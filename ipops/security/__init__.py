"""Accounts' security: lockout after failed logins (django-axes), expiring API tokens, the password
policy, TOTP (django-otp) and re-authentication before money moves. See the README's "Production"."""
