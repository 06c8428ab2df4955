from django.urls import path

from subsidies.api import evidence, public, views

app_name = "subsidies-api"

urlpatterns = [
    path("policies/", views.PolicyListCreateApi.as_view(), name="policy-list"),
    path("policies/<int:pk>/", views.PolicyDetailApi.as_view(), name="policy-detail"),
    path("policies/<int:pk>/sandbox/", views.SandboxApi.as_view(), name="policy-sandbox"),
    path("policies/calculator/", views.CalculatorApi.as_view(), name="policy-calculator"),
    path("policies/budget-use/", views.BudgetUseApi.as_view(), name="policy-budget-use"),
    path("claims/", views.ClaimListCreateApi.as_view(), name="claim-list"),
    path("claims/<int:pk>/", views.ClaimDetailApi.as_view(), name="claim-detail"),
    path("claims/<int:pk>/submit/", views.ClaimSubmitApi.as_view(), name="claim-submit"),
    path("claims/<int:pk>/confirm/", views.ClaimConfirmApi.as_view(), name="claim-confirm"),
    path("claims/<int:pk>/withdraw/", views.ClaimWithdrawApi.as_view(), name="claim-withdraw"),
    path("claims/<int:pk>/return/", views.ClaimReturnApi.as_view(), name="claim-return"),
    path("claims/<int:pk>/approve/", views.ClaimApproveApi.as_view(), name="claim-approve"),
    path("claims/<int:pk>/reject/", views.ClaimRejectApi.as_view(), name="claim-reject"),
    path("claims/<int:pk>/objections/", public.ObjectionLodgeApi.as_view(), name="claim-objection-lodge"),
    path("claims/queue-counts/", views.QueueCountsApi.as_view(), name="claim-queue-counts"),
    path("claims/automatic-run/", views.AutomaticRunApi.as_view(), name="claim-automatic-run"),
    path("claims/objections/", views.ObjectionListApi.as_view(), name="objection-list"),
    path(
        "claims/objections/<int:pk>/resolve/", views.ObjectionResolveApi.as_view(), name="objection-resolve"
    ),
    path("claims/batches/", views.BatchListCreateApi.as_view(), name="batch-list"),
    path("claims/batches/<int:pk>/", views.BatchDetailApi.as_view(), name="batch-detail"),
    path("notices/", public.PublicNoticeListApi.as_view(), name="notice-list"),
    *evidence.urlpatterns,
]
