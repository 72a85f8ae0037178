package v1alpha1

// Condition types. Each stage owns one <Stage>Ready condition; the orchestrator owns
// Ready, Reconciling and Stalled (kstatus semantics: Reconciling and Stalled are
// abnormal-true and are removed when they do not apply).
const (
	ConditionReady                 = "Ready"
	ConditionReconciling           = "Reconciling"
	ConditionStalled               = "Stalled"
	ConditionNetworkReady          = "NetworkReady"
	ConditionRepositoryReady       = "RepositoryReady"
	ConditionServiceReady          = "ServiceReady"
	ConditionPipelineReady         = "PipelineReady"
	ConditionSourceConnectionReady = "SourceConnectionReady"
	ConditionDeletionBlocked       = "DeletionBlocked"
)

// Condition reasons shared by the orchestrator and the stages. Stage-specific waiting
// reasons (WaitingForNATGateway, ...) are declared next to the stage that sets them.
const (
	ReasonReady              = "Ready"
	ReasonProgressing        = "Progressing"
	ReasonDeleting           = "Deleting"
	ReasonDeleted            = "Deleted"
	ReasonInvalidSpec        = "InvalidSpec"
	ReasonAWSValidationError = "AWSValidationError"
	ReasonAccessDenied       = "AccessDenied"
	ReasonRetrying           = "Retrying"
	ReasonNotConfigured      = "NotConfigured"
	ReasonObserved           = "Observed"
	ReasonSuspended          = "Suspended"
	ReasonRetained           = "Retained"
)
