from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .serializers import RefundRequestInSerializer, RefundRequestSerializer


class RefundRequestsView(APIView):
    """The student's refund requests (GET) and a new one for a course line (POST; 409 if one is already open)."""

    @extend_schema(responses=RefundRequestSerializer(many=True))
    def get(self, request):
        return Response(RefundRequestSerializer(services.user_refund_requests(request.user.id), many=True).data)

    @extend_schema(request=RefundRequestInSerializer, responses={201: RefundRequestSerializer})
    def post(self, request):
        data = RefundRequestInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.refund_request_create(user_id=request.user.id, **data.validated_data)
        return Response(RefundRequestSerializer(created).data, status=status.HTTP_201_CREATED)
