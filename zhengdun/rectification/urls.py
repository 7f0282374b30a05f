"""Every rectification page's URL, declared here and nowhere else (the views modules only hold
views)."""

from django.urls import path

from zhengdun.rectification.views import (
    battlemap,
    institutions,
    problem_actions,
    problem_detail,
    problems,
    templates,
)

app_name = "rectification"
urlpatterns = [
    # 问题清单 and 登记问题
    path("problems/", problems.problem_list, name="problems"),
    path("problems/export/", problems.problem_export, name="problems_export"),
    path("problems/new/", problems.problem_register, name="register"),
    path("problems/people/", problems.person_search, name="people"),
    # a problem's page and its forms
    path("problems/<int:pk>/", problem_detail.problem_detail, name="problem"),
    path("problems/<int:pk>/edit/", problem_actions.problem_edit, name="problem_edit"),
    path("problems/<int:pk>/plan/", problem_actions.plan_change, name="plan_change"),
    path("problems/<int:pk>/tasks/", problem_actions.task_add, name="task_add"),
    path("problems/<int:pk>/close-off/", problem_actions.problem_close_off, name="close_off"),
    path("problems/<int:pk>/reopen/", problem_actions.problem_reopen, name="reopen"),
    path("problems/milestones/<int:pk>/done/", problem_actions.milestone_done, name="milestone_done"),
    path("problems/tasks/<int:pk>/report/", problem_actions.task_report, name="task_report"),
    path("problems/evidence/<int:pk>/", problem_actions.evidence_download, name="evidence"),
    # 挂图作战
    path("battlemap/", battlemap.matrix, name="battlemap"),
    path("battlemap/gantt/", battlemap.gantt, name="battlemap_gantt"),
    path("battlemap/ranking/", battlemap.ranking, name="battlemap_ranking"),
    path("battlemap/export.xlsx", battlemap.export, name="battlemap_export"),
    # 建章立制
    path("institutions/", institutions.institution_list, name="institutions"),
    path("institutions/new/", institutions.institution_new, name="institution_new"),
    path("institutions/export/", institutions.institution_export, name="institutions_export"),
    path("institutions/<int:pk>/", institutions.institution_detail, name="institution"),
    path("institutions/<int:pk>/problems/", institutions.institution_link, name="institution_link"),
    path("institutions/documents/<int:pk>/", institutions.institution_document, name="institution_document"),
    # 工期模板
    path("templates/", templates.template_list, name="templates"),
    path("templates/new/", templates.template_new, name="template_new"),
    path("templates/<int:pk>/", templates.template_edit, name="template_edit"),
]
