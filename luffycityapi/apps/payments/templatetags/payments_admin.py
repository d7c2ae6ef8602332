"""The admin index's revenue chart: an inline SVG bar chart rendered on the server (no script, no CDN)."""
from decimal import Decimal

from django import template

from luffycityapi.core.money import ZERO, money_str

from ..selectors import revenue_by_day

register = template.Library()

BAR_WIDTH, GAP, PLOT_HEIGHT, TOP, BOTTOM = 18, 6, 140, 16, 18


@register.inclusion_tag("payments/revenue_chart.html")
def revenue_chart(days: int = 30):
    rows = revenue_by_day(days)
    peak = max((row.revenue for row in rows), default=ZERO)
    bars = []
    for index, row in enumerate(rows):
        # Pixel geometry only: the amounts themselves stay Decimal and are shown as strings.
        h = int(row.revenue * PLOT_HEIGHT / peak) if peak > 0 else 0
        if row.revenue > 0:
            h = max(h, 1)
        x = index * (BAR_WIDTH + GAP) + GAP
        bars.append({"day": row.day, "revenue": money_str(row.revenue), "orders": row.orders, "x": x, "h": h,
                     "y": TOP + PLOT_HEIGHT - h, "cx": x + BAR_WIDTH // 2, "label_y": TOP + PLOT_HEIGHT - h - 3,
                     "tick": index % 5 == 0 or index == len(rows) - 1})
    return {"days": days, "bars": bars, "bar_width": BAR_WIDTH, "width": len(rows) * (BAR_WIDTH + GAP) + GAP,
            "height": TOP + PLOT_HEIGHT + BOTTOM, "baseline": TOP + PLOT_HEIGHT,
            "total": money_str(sum((row.revenue for row in rows), Decimal("0"))),
            "count": sum(row.orders for row in rows), "peak": money_str(peak)}
