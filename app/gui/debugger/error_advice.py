"""What to do next about a run's error, by Make's error type: the sentence the inspector
shows under the error itself (no Qt here)."""

from __future__ import annotations

ADVICE = {
    "ConnectionError": "Check the URL and that this computer reaches it (network, VPN, "
                       "proxy); then press Run once again.",
    "ModuleTimeoutError": "The service did not answer in time: try again, or raise the "
                          "module's timeout in its settings.",
    "DataError": "Open the module's settings and check the mapped values: a field got "
                 "data of the wrong type or format. The inspector's Input shows what it got.",
    "InvalidConfigurationError": "Open the module's settings and fill in or correct the "
                                 "fields it names.",
    "InvalidAccessTokenError": "The connection's credentials were refused: open File ▸ "
                               "Connections, then test or reauthorize it.",
    "RateLimitError": "The service is limiting requests: wait a moment, or add a Sleep "
                      "before this module.",
    "IncompleteDataError": "The service has not finished preparing the data: run again "
                           "shortly.",
    "DuplicateDataError": "The record already exists: filter duplicates out before this "
                          "module (a data store check), or update instead of create.",
    "MaxResultsExceededError": "Lower the module's limit or split the work into smaller "
                               "runs.",
    "OutOfSpaceError": "Free space in the target service or pick another destination.",
}
GENERIC = ("Click the module's bubble to see the bundles it received; add an error handler "
           "(right-click the module) to keep the scenario running when this happens.")


def advice(name: str | None) -> str:
    """One or two sentences saying what to do about an error of this type."""
    return ADVICE.get(name or "", GENERIC)
