"""Forms for data sources (scope per kind, write-only credentials, status mapping, rules),
uploads, record filters, and people's affiliations."""

from accord.delivery.forms.filters import (
    CommitFilterForm,
    DeploymentFilterForm,
    IncidentFilterForm,
    PullRequestFilterForm,
    RecordFilterForm,
    WorkItemFilterForm,
)
from accord.delivery.forms.people import AffiliationForm, AffiliationRuleForm, PeopleFilterForm
from accord.delivery.forms.sources import (
    CREDENTIAL_KINDS,
    DataSourceForm,
    ImportForm,
    RulesForm,
    StatusMappingForm,
)

__all__ = [
    "CREDENTIAL_KINDS",
    "AffiliationForm",
    "AffiliationRuleForm",
    "CommitFilterForm",
    "DataSourceForm",
    "DeploymentFilterForm",
    "ImportForm",
    "IncidentFilterForm",
    "PeopleFilterForm",
    "PullRequestFilterForm",
    "RecordFilterForm",
    "RulesForm",
    "StatusMappingForm",
    "WorkItemFilterForm",
]
