"""Page groups of the dashboard, one router each; `ROUTERS` is what `create_app` includes."""

from dashboard.routes.alerts import router as alerts_router
from dashboard.routes.board import router as board_router
from dashboard.routes.forecast import router as forecast_router
from dashboard.routes.health import router as health_router
from dashboard.routes.rules import router as rules_router
from dashboard.routes.search import router as search_router
from dashboard.routes.session import router as session_router

ROUTERS = [session_router, board_router, alerts_router, search_router, rules_router, forecast_router,
           health_router]
