from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors
from .serializers import EnableCouponsSerializer


class EnableCouponsView(APIView):
    """The user's coupons usable for the selected cart, with the discount each gives (the best first), and the
    ones that are not, with why."""

    @extend_schema(responses=EnableCouponsSerializer)
    def get(self, request):
        return Response(EnableCouponsSerializer(
            selectors.cart_coupon_choices(user_id=request.user.id, has_credit=request.user.credit)).data)
