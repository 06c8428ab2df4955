from django.urls import path

from subsidies.views import bureau, claimant, claims, evidence, public

urlpatterns = [
    # The claimant's pages.
    path("subsidies/", claimant.CalculatorView.as_view(), name="subsidies-calculator"),
    path("subsidies/apply/", claimant.ApplyChooseView.as_view(), name="subsidies-apply"),
    path("subsidies/apply/<int:policy>/", claimant.ApplyFormView.as_view(), name="subsidies-apply-form"),
    path("subsidies/claims/", claimant.MyClaimsView.as_view(), name="subsidies-claim-list"),
    path("subsidies/confirm/", claimant.ToConfirmView.as_view(), name="subsidies-to-confirm"),
    # A claim's page and its steps, for everyone who sees the claim.
    path("subsidies/claims/<int:pk>/", claims.ClaimDetailView.as_view(), name="subsidies-claim-detail"),
    path(
        "subsidies/claims/<int:pk>/evidence/",
        evidence.EvidenceUploadView.as_view(),
        name="subsidies-evidence-add",
    ),
    path(
        "subsidies/claims/<int:claim_pk>/evidence/<int:pk>/",
        evidence.EvidenceDownloadView.as_view(),
        name="subsidies-evidence-download",
    ),
    path(
        "subsidies/claims/<int:claim_pk>/evidence/<int:pk>/remove/",
        evidence.EvidenceRemoveView.as_view(),
        name="subsidies-evidence-remove",
    ),
    path(
        "subsidies/claims/<int:pk>/<slug:action>/",
        claims.ClaimActionView.as_view(),
        name="subsidies-claim-action",
    ),
    # The bureau's pages (read-only for officials).
    path("subsidies/queue/", bureau.QueueView.as_view(), name="subsidies-queue"),
    path("subsidies/queue/approve/", bureau.BatchApproveView.as_view(), name="subsidies-batch-approve"),
    path("subsidies/automatic/", bureau.AutomaticRunView.as_view(), name="subsidies-automatic-run"),
    path("subsidies/objections/", bureau.ObjectionsView.as_view(), name="subsidies-objections"),
    path(
        "subsidies/objections/<int:pk>/resolve/",
        bureau.ObjectionsView.as_view(),
        name="subsidies-objection-resolve",
    ),
    path("subsidies/notices/", bureau.NoticesView.as_view(), name="subsidies-notices"),
    path("subsidies/payments/", bureau.PaymentsView.as_view(), name="subsidies-payments"),
    path("subsidies/payments/<int:pk>/", bureau.BatchDetailView.as_view(), name="subsidies-batch-detail"),
    path(
        "subsidies/payments/<int:pk>/bank.xlsx",
        bureau.BatchBankListView.as_view(),
        name="subsidies-batch-bank-list",
    ),
    path("subsidies/policies/", bureau.PolicyListView.as_view(), name="subsidies-policy-list"),
    path("subsidies/policies/new/", bureau.PolicyEditView.as_view(), name="subsidies-policy-create"),
    path("subsidies/policies/<int:pk>/", bureau.PolicyView.as_view(), name="subsidies-policy-detail"),
    path(
        "subsidies/policies/<int:pk>/edit/", bureau.PolicyEditView.as_view(), name="subsidies-policy-update"
    ),
    path("subsidies/budget/", bureau.BudgetUseView.as_view(), name="subsidies-budget"),
    path(
        "subsidies/budget/export.xlsx", bureau.BudgetUseExportView.as_view(), name="subsidies-budget-export"
    ),
    # The public notice: no login (see subsidies.views.public).
    path("notice/", public.PublicNoticeView.as_view(), name="subsidies-public-notice"),
]
