"""Compliance: sanctions lists in their published formats (OFAC, UN, UK, internal), names
in the forms a screener compares (Chinese names across characters, pinyin, Cantonese and
Wade-Giles), screening of names and payments, four-eyes cases (`compliance.cases`),
client limits and AML monitoring rules."""

from corridor.compliance.aml_rules import (
    FATF_CALL_FOR_ACTION,
    FATF_INCREASED_MONITORING,
    REPORTING_THRESHOLDS,
    Alert,
    JurisdictionConfig,
    MonitoringConfig,
    RuleCode,
    Severity,
    StructuringConfig,
    VelocityConfig,
    check_jurisdictions,
    check_structuring,
    check_velocity,
    evaluate,
)
from corridor.compliance.chinese_names import ChineseName, chinese_name
from corridor.compliance.internal import parse_internal_csv
from corridor.compliance.limits import (
    MAINLAND_INDIVIDUAL_FX_QUOTA,
    ClientLimits,
    FxQuota,
    LimitBreach,
    LimitCode,
    LimitCurrencyError,
    check_limits,
)
from corridor.compliance.listed import (
    EntityType,
    ListedEntry,
    ListedName,
    ListFormatError,
    NameKind,
    ParsedList,
)
from corridor.compliance.monitoring import (
    ClientKind,
    ClientWindow,
    PaymentFacts,
    PaymentFactsError,
)
from corridor.compliance.names import NameForms, NameInputError, name_forms
from corridor.compliance.ofac import parse_ofac_csv
from corridor.compliance.uk import parse_uk_csv
from corridor.compliance.un import parse_un_xml

__all__ = [
    "FATF_CALL_FOR_ACTION",
    "FATF_INCREASED_MONITORING",
    "MAINLAND_INDIVIDUAL_FX_QUOTA",
    "REPORTING_THRESHOLDS",
    "Alert",
    "ChineseName",
    "ClientKind",
    "ClientLimits",
    "ClientWindow",
    "EntityType",
    "FxQuota",
    "JurisdictionConfig",
    "LimitBreach",
    "LimitCode",
    "LimitCurrencyError",
    "ListFormatError",
    "ListedEntry",
    "ListedName",
    "MonitoringConfig",
    "NameForms",
    "NameInputError",
    "NameKind",
    "ParsedList",
    "PaymentFacts",
    "PaymentFactsError",
    "RuleCode",
    "Severity",
    "StructuringConfig",
    "VelocityConfig",
    "check_jurisdictions",
    "check_limits",
    "check_structuring",
    "check_velocity",
    "chinese_name",
    "evaluate",
    "name_forms",
    "parse_internal_csv",
    "parse_ofac_csv",
    "parse_uk_csv",
    "parse_un_xml",
]
