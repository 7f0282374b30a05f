"""Every self-report page's URL, declared here only (the views modules declare none)."""

from django.urls import path

from zhengdun.selfreports.views import campaigns, filing, leniency, reports, stats

app_name = "selfreports"
urlpatterns = [
    # 自查事项 (discipline staff and the office)
    path("", reports.report_list, name="list"),
    path("<int:pk>/", reports.report_detail, name="detail"),
    path("items/<int:pk>/review/", reports.review, name="review"),
    path("items/<int:pk>/convert/", reports.convert, name="convert"),
    path("attachments/<int:pk>/", reports.attachment, name="attachment"),
    # filing: 我的自查, 代为填报, drafts, 更正
    path("mine/", filing.mine, name="mine"),
    path("mine/start/", filing.start_own, name="start_own"),
    path("file/", filing.file_for, name="file_for"),
    path("rows/", filing.row_fragment, name="row"),
    path("<int:pk>/edit/", filing.edit, name="edit"),
    path("<int:pk>/correct/", filing.correct, name="correct"),
    path("<int:pk>/discard/", filing.discard, name="discard"),
    # campaigns (教育整顿)
    path("campaigns/", campaigns.campaign_list, name="campaigns"),
    path("campaigns/<int:pk>/", campaigns.campaign_edit, name="campaign"),
    path("campaigns/<int:pk>/activate/", campaigns.campaign_activate, name="campaign_activate"),
    path("campaigns/<int:pk>/deactivate/", campaigns.campaign_deactivate, name="campaign_deactivate"),
    # 自查统计 and 从宽从严
    path("stats/", stats.statistics, name="stats"),
    path("leniency/", stats.leniency_list, name="leniency"),
    path("leniency/<int:subject_id>/", leniency.decide_leniency, name="decide_leniency"),
]
