package v1alpha1

// AnnotationPaused set to "true" on a FlaskDeployment stops the operator from calling AWS
// for it, deletion included (the finalizer stays), until the annotation is removed.
const AnnotationPaused = "flaskops.io/paused"

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
	// ConditionPaused is True while the object carries AnnotationPaused and is removed
	// when it does not; the other conditions keep what they said before the pause.
	ConditionPaused = "Paused"
)

// Condition reasons, all of them: one name per idea, whichever stage sets it.
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
	ReasonPaused             = "Paused"

	// ReasonOwnershipConflict: a resource the stage would use or change does not carry
	// this object's ownership tags. The operator never writes to it or deletes it.
	ReasonOwnershipConflict = "OwnershipConflict"
	// ReasonImmutableField: the spec asks for a change AWS cannot make in place.
	ReasonImmutableField = "ImmutableField"
	// ReasonDeletionBlocked: deletion waits on something the operator may not remove.
	ReasonDeletionBlocked = "DeletionBlocked"
	// ReasonWaitingForDeletion: AWS is still releasing what a deleted resource held.
	ReasonWaitingForDeletion = "WaitingForDeletion"
	// ReasonNotFound: a resource the spec or the operator's configuration names does not
	// exist (such as the permissions boundary its roles must carry).
	ReasonNotFound = "NotFound"
	// ReasonThrottled: the pass went slowly because the operator's AWS request budget held
	// calls back, or AWS throttled calls past their retries.
	ReasonThrottled = "Throttled"

	ReasonWaitingForNetwork      = "WaitingForNetwork"
	ReasonWaitingForNATGateway   = "WaitingForNATGateway"
	ReasonExistingNetworkInvalid = "ExistingNetworkInvalid"
	ReasonWaitingForRepository   = "WaitingForRepository"
	ReasonWaitingForImage        = "WaitingForImage"
	ReasonWaitingForLoadBalancer = "WaitingForLoadBalancer"
	ReasonWaitingForDeployment   = "WaitingForDeployment"
	ReasonDeploymentFailed       = "DeploymentFailed"
	ReasonWaitingForService      = "WaitingForService"
	ReasonPendingHandshake       = "PendingHandshake"
	ReasonSourceConnectionFailed = "SourceConnectionFailed"
	// ReasonConnectionNotAllowed: the source connection the spec names is not tagged for
	// the object's namespace in this cluster, so the tenant may not build through it.
	ReasonConnectionNotAllowed = "ConnectionNotAllowed"
	ReasonSecretNotFound       = "SecretNotFound"
	ReasonSecretNotAllowed     = "SecretNotAllowed"
	ReasonExecutionFailed      = "ExecutionFailed"
	ReasonUnresolvableEndpoint = "UnresolvableEndpoint"
)
