from ipops import navigation as nav
from ipops.access import request_cities


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    city = getattr(request, "city", None)
    actor = getattr(request, "actor", None)
    ctx = {"my_cities": request_cities(request), "current_city": city, "actor": actor}
    if city and actor:
        ctx["nav_items"] = nav.items_for(str(actor.role), city.slug)
    return ctx
