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
    peak = max((max(row.revenue, row.refunded) for row in rows), default=ZERO)
    bars = []
    half = (BAR_WIDTH - 2) // 2  # each day: the money taken (left) and the money refunded (right, red)
    for index, row in enumerate(rows):
        # Pixel geometry only: the amounts themselves stay Decimal and are shown as strings.
        h = int(row.revenue * PLOT_HEIGHT / peak) if peak > 0 else 0
        rh = int(row.refunded * PLOT_HEIGHT / peak) if peak > 0 else 0
        if row.revenue > 0:
            h = max(h, 1)
        if row.refunded > 0:
            rh = max(rh, 1)
        x = index * (BAR_WIDTH + GAP) + GAP
        bars.append({"day": row.day, "revenue": money_str(row.revenue), "orders": row.orders, "x": x, "h": h,
                     "y": TOP + PLOT_HEIGHT - h, "cx": x + BAR_WIDTH // 2, "label_y": TOP + PLOT_HEIGHT - max(h, rh) - 3,
                     "refunded": money_str(row.refunded), "refunds": row.refunds, "rx": x + half + 2, "rh": rh,
                     "ry": TOP + PLOT_HEIGHT - rh,
                     "tick": index % 5 == 0 or index == len(rows) - 1})
    total = sum((row.revenue for row in rows), Decimal("0"))
    refunded = sum((row.refunded for row in rows), Decimal("0"))
    return {"days": days, "bars": bars, "bar_width": half, "width": len(rows) * (BAR_WIDTH + GAP) + GAP,
            "height": TOP + PLOT_HEIGHT + BOTTOM, "baseline": TOP + PLOT_HEIGHT,
            "total": money_str(total), "refunded": money_str(refunded), "net": money_str(total - refunded),
            "refund_count": sum(row.refunds for row in rows),
            "count": sum(row.orders for row in rows), "peak": money_str(peak)}
