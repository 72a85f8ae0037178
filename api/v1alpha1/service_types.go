package v1alpha1

import corev1 "k8s.io/api/core/v1"

// ServiceSpec is the ECS Fargate service and the Application Load Balancer in front of it.
//
// +kubebuilder:validation:XValidation:rule="!has(self.cpu) || !has(self.memory) || (self.cpu == 256 ? self.memory in [512, 1024, 2048] : self.cpu == 512 ? (self.memory >= 1024 && self.memory <= 4096 && self.memory % 1024 == 0) : self.cpu == 1024 ? (self.memory >= 2048 && self.memory <= 8192 && self.memory % 1024 == 0) : self.cpu == 2048 ? (self.memory >= 4096 && self.memory <= 16384 && self.memory % 1024 == 0) : self.cpu == 4096 ? (self.memory >= 8192 && self.memory <= 30720 && self.memory % 1024 == 0) : self.cpu == 8192 ? (self.memory >= 16384 && self.memory <= 61440 && self.memory % 4096 == 0) : self.cpu == 16384 ? (self.memory >= 32768 && self.memory <= 122880 && self.memory % 8192 == 0) : false)",message="cpu and memory must be a valid Fargate pair: cpu 256 takes 512, 1024 or 2048 MiB; 512 takes 1024-4096; 1024 takes 2048-8192; 2048 takes 4096-16384; 4096 takes 8192-30720 (steps of 1024); 8192 takes 16384-61440 (steps of 4096); 16384 takes 32768-122880 (steps of 8192)",fieldPath=".memory"
// +kubebuilder:validation:XValidation:rule="!has(self.autoscaling) || !has(self.desiredCount) || (self.desiredCount >= self.autoscaling.minCount && self.desiredCount <= self.autoscaling.maxCount)",message="must be within autoscaling minCount..maxCount (desiredCount defaults to 2 when not given)",fieldPath=".desiredCount"
// +kubebuilder:validation:XValidation:rule="!has(self.env) || !has(self.secrets) || self.secrets.all(s, self.env.all(e, e.name != s.name))",message="must not name a variable that env also sets: the container gets each variable once",fieldPath=".secrets"
// +kubebuilder:validation:XValidation:rule="!has(self.healthCheckTimeoutSeconds) || !has(self.healthCheckIntervalSeconds) || self.healthCheckTimeoutSeconds < self.healthCheckIntervalSeconds",message="must be shorter than healthCheckIntervalSeconds (defaults: timeout 5, interval 30)",fieldPath=".healthCheckTimeoutSeconds"
type ServiceSpec struct {
	// Image is the container image to run, as ECS takes it: [registry/]repository[:tag]
	// [@sha256:digest], repository path in lower case, at most 255 characters. Empty means
	// the pipeline owns the image (the operator keeps whatever the pipeline last deployed)
	// or, without a pipeline, the repository's latest image.
	// +optional
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:XValidation:rule=`self == '' || self.matches('^(([a-zA-Z0-9-]+([.][a-zA-Z0-9-]+)+(:[0-9]+)?|[a-zA-Z0-9-]+:[0-9]+|localhost)/)?[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*(:[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$')`,message="must be an image reference such as nginx:1.27 or 123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:<64 hex digits>: [registry/]repository[:tag][@sha256:digest], with the repository path in lower case"
	Image string `json:"image,omitempty"`

	// ContainerPort is the port the Flask app listens on.
	// +optional
	// +kubebuilder:default=5000
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	ContainerPort int32 `json:"containerPort,omitempty"`

	// CPU is the task's CPU units (1024 = one vCPU); with Memory it must be a valid
	// Fargate pair.
	// +optional
	// +kubebuilder:default=256
	// +kubebuilder:validation:Enum=256;512;1024;2048;4096;8192;16384
	CPU int32 `json:"cpu,omitempty"`

	// Memory is the task's memory in MiB; with CPU it must be a valid Fargate pair.
	// +optional
	// +kubebuilder:default=512
	// +kubebuilder:validation:Minimum=512
	// +kubebuilder:validation:Maximum=122880
	Memory int32 `json:"memory,omitempty"`

	// DesiredCount is how many tasks run; with autoscaling, the starting count, which
	// must lie within minCount..maxCount.
	// +optional
	// +kubebuilder:default=2
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	DesiredCount *int32 `json:"desiredCount,omitempty"`

	// HealthCheckPath is the path the load balancer probes; 200 means healthy.
	// +optional
	// +kubebuilder:default="/"
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^/`
	HealthCheckPath string `json:"healthCheckPath,omitempty"`

	// HealthCheckIntervalSeconds is how often the load balancer probes each task.
	// +optional
	// +kubebuilder:default=30
	// +kubebuilder:validation:Minimum=5
	// +kubebuilder:validation:Maximum=300
	HealthCheckIntervalSeconds int32 `json:"healthCheckIntervalSeconds,omitempty"`

	// HealthCheckTimeoutSeconds is how long a probe may take; it must be shorter than
	// the interval.
	// +optional
	// +kubebuilder:default=5
	// +kubebuilder:validation:Minimum=2
	// +kubebuilder:validation:Maximum=120
	HealthCheckTimeoutSeconds int32 `json:"healthCheckTimeoutSeconds,omitempty"`

	// HealthyThresholdCount is how many probes in a row a task must pass to be healthy.
	// +optional
	// +kubebuilder:default=5
	// +kubebuilder:validation:Minimum=2
	// +kubebuilder:validation:Maximum=10
	HealthyThresholdCount int32 `json:"healthyThresholdCount,omitempty"`

	// UnhealthyThresholdCount is how many probes in a row a task must fail to be
	// unhealthy (and, after the grace period, replaced).
	// +optional
	// +kubebuilder:default=2
	// +kubebuilder:validation:Minimum=2
	// +kubebuilder:validation:Maximum=10
	UnhealthyThresholdCount int32 `json:"unhealthyThresholdCount,omitempty"`

	// HealthCheckGracePeriodSeconds is how long after a task starts ECS ignores failing
	// load balancer health checks (time for the app to boot).
	// +optional
	// +kubebuilder:default=60
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	HealthCheckGracePeriodSeconds *int32 `json:"healthCheckGracePeriodSeconds,omitempty"`

	// Env are plain environment variables for the container: literal values only, each
	// name once. ECS cannot resolve valueFrom; values from SSM Parameter Store or Secrets
	// Manager go in secrets.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=100
	// +kubebuilder:validation:items:XValidation:rule="!has(self.valueFrom)",message="valueFrom is not supported: ECS cannot resolve Kubernetes references; put the value in SSM Parameter Store or Secrets Manager and list its ARN in spec.service.secrets"
	Env []corev1.EnvVar `json:"env,omitempty"`

	// Secrets are environment variables read from SSM parameters or Secrets Manager, each
	// name once and none that env also sets.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=100
	Secrets []SecretEnvVar `json:"secrets,omitempty"`

	// LogRetentionDays is how long CloudWatch keeps the container logs.
	// +optional
	// +kubebuilder:default=7
	// +kubebuilder:validation:Enum=1;3;5;7;14;30;60;90;120;150;180;365;400;545;731;1096;1827;2192;2557;2922;3288;3653
	LogRetentionDays int32 `json:"logRetentionDays,omitempty"`

	// Deployment controls how new task definitions roll out.
	// +optional
	// +kubebuilder:default={}
	Deployment DeploymentSpec `json:"deployment,omitempty"`

	// LoadBalancer is the internet-facing Application Load Balancer.
	// +optional
	// +kubebuilder:default={}
	LoadBalancer LoadBalancerSpec `json:"loadBalancer,omitempty"`

	// Autoscaling scales the task count on CPU. Without it DesiredCount is fixed.
	// +optional
	Autoscaling *AutoscalingSpec `json:"autoscaling,omitempty"`
}

// SecretEnvVar is an environment variable whose value comes from SSM or Secrets Manager.
type SecretEnvVar struct {
	// Name of the environment variable.
	// +kubebuilder:validation:MaxLength=255
	Name string `json:"name"`
	// ValueFrom is the full ARN of one Secrets Manager secret
	// (arn:aws:secretsmanager:<region>:<account>:secret:<name>, optionally followed by
	// :<json-key>:<version-stage>:<version-id> as ECS takes it) or of one SSM parameter
	// (arn:aws:ssm:<region>:<account>:parameter/<name>). The execution role is granted
	// exactly these, so wildcards are refused.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="!self.contains('*') && !self.contains('?')",message="must name one secret or parameter: wildcards (* and ?) would grant the task access to others"
	// +kubebuilder:validation:XValidation:rule=`self.contains('*') || self.contains('?') || self.matches('^arn:aws(-[a-z]+)*:secretsmanager:[a-z]{2,4}(-[a-z]+)+-[0-9]+:[0-9]{12}:secret:[a-zA-Z0-9/_+=.@-]+(:[^:]*:[^:]*:[^:]*)?$') || self.matches('^arn:aws(-[a-z]+)*:ssm:[a-z]{2,4}(-[a-z]+)+-[0-9]+:[0-9]{12}:parameter/[a-zA-Z0-9_.-][a-zA-Z0-9_./-]*$')`,message="must be the full ARN of a Secrets Manager secret (arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>) or of an SSM parameter (arn:aws:ssm:<region>:<12-digit account>:parameter/<name>)"
	ValueFrom string `json:"valueFrom"`
}

// DeploymentSpec is the ECS rolling-deployment configuration.
type DeploymentSpec struct {
	// MaximumPercent caps running tasks during a deployment, as a percent of DesiredCount.
	// +optional
	// +kubebuilder:default=200
	// +kubebuilder:validation:Minimum=100
	// +kubebuilder:validation:Maximum=400
	MaximumPercent int32 `json:"maximumPercent,omitempty"`
	// MinimumHealthyPercent is the floor of healthy tasks during a deployment.
	// +optional
	// +kubebuilder:default=50
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	MinimumHealthyPercent int32 `json:"minimumHealthyPercent,omitempty"`
	// CircuitBreaker stops a failing deployment and rolls back to the last good one.
	// +optional
	// +kubebuilder:default=true
	CircuitBreaker *bool `json:"circuitBreaker,omitempty"`
}

// LoadBalancerSpec is the Application Load Balancer in front of the service.
// +kubebuilder:validation:XValidation:rule="!has(self.certificateARN) || size(self.certificateARN) == 0 || !has(self.port) || self.port != 443",message="must not be 443 when certificateARN is set: HTTPS listens on 443 and this port redirects to it",fieldPath=".port"
type LoadBalancerSpec struct {
	// Port is the HTTP listener's port. It forwards to the service; with certificateARN
	// it redirects (301) to HTTPS on 443 instead.
	// +optional
	// +kubebuilder:default=80
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port,omitempty"`
	// CertificateARN is an ACM certificate in spec.region,
	// arn:aws:acm:<region>:<12-digit account>:certificate/<id>; with it an HTTPS
	// listener on 443 forwards to the service.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:XValidation:rule=`self == '' || self.matches('^arn:aws(-[a-z]+)*:acm:[a-z]{2,4}(-[a-z]+)+-[0-9]+:[0-9]{12}:certificate/[a-zA-Z0-9-]+$')`,message="must be an ACM certificate ARN: arn:aws:acm:<region>:<12-digit account>:certificate/<id>"
	CertificateARN string `json:"certificateARN,omitempty"`
	// SSLPolicy is the HTTPS listener's ELB security policy (TLS versions and ciphers).
	// +optional
	// +kubebuilder:default="ELBSecurityPolicy-TLS13-1-2-2021-06"
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^ELBSecurityPolicy-[A-Za-z0-9-]+$`
	SSLPolicy string `json:"sslPolicy,omitempty"`
	// IdleTimeoutSeconds is the connection idle timeout.
	// +optional
	// +kubebuilder:default=60
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=4000
	IdleTimeoutSeconds int32 `json:"idleTimeoutSeconds,omitempty"`
	// AllowedCIDRs are the IPv4 CIDRs that may reach the load balancer. Defaults to everyone.
	// +optional
	// +kubebuilder:default={"0.0.0.0/0"}
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:items:MaxLength=18
	// +kubebuilder:validation:XValidation:rule="self.all(c, isCIDR(c) && cidr(c).ip().family() == 4)",message="every entry must be an IPv4 CIDR such as 203.0.113.0/24"
	AllowedCIDRs []string `json:"allowedCIDRs,omitempty"`
	// DeregistrationDelaySeconds is how long a stopping task keeps serving the requests
	// in flight before the load balancer drops it.
	// +optional
	// +kubebuilder:default=30
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=3600
	DeregistrationDelaySeconds *int32 `json:"deregistrationDelaySeconds,omitempty"`
}

// AutoscalingSpec is target tracking on the service's average CPU.
// +kubebuilder:validation:XValidation:rule="self.minCount <= self.maxCount",message="must not be greater than maxCount",fieldPath=".minCount"
type AutoscalingSpec struct {
	// MinCount is the fewest tasks.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	MinCount int32 `json:"minCount"`
	// MaxCount is the most tasks.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	MaxCount int32 `json:"maxCount"`
	// TargetCPUPercent is the average CPU the scaling policy aims at.
	// +optional
	// +kubebuilder:default=70
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	TargetCPUPercent int32 `json:"targetCPUPercent,omitempty"`
}

// ServiceStatus holds the ECS and load balancer resources.
type ServiceStatus struct {
	// ClusterARN is the ECS cluster.
	// +optional
	ClusterARN string `json:"clusterARN,omitempty"`
	// ServiceARN is the ECS service.
	// +optional
	ServiceARN string `json:"serviceARN,omitempty"`
	// TaskDefinitionARN is the task definition revision the service is set to.
	// +optional
	TaskDefinitionARN string `json:"taskDefinitionARN,omitempty"`
	// ExecutionRoleARN is the task execution role.
	// +optional
	ExecutionRoleARN string `json:"executionRoleARN,omitempty"`
	// LogGroupName is the CloudWatch log group of the containers.
	// +optional
	LogGroupName string `json:"logGroupName,omitempty"`
	// LoadBalancerSecurityGroupID guards the load balancer.
	// +optional
	LoadBalancerSecurityGroupID string `json:"loadBalancerSecurityGroupID,omitempty"`
	// ServiceSecurityGroupID guards the tasks; it admits only the load balancer.
	// +optional
	ServiceSecurityGroupID string `json:"serviceSecurityGroupID,omitempty"`
	// LoadBalancerARN is the Application Load Balancer.
	// +optional
	LoadBalancerARN string `json:"loadBalancerARN,omitempty"`
	// LoadBalancerDNS is the load balancer's DNS name.
	// +optional
	LoadBalancerDNS string `json:"loadBalancerDNS,omitempty"`
	// TargetGroupARN is the target group the tasks register in.
	// +optional
	TargetGroupARN string `json:"targetGroupARN,omitempty"`
	// PreviousTargetGroupARN is the target group being replaced after a container port
	// change; it serves until the new one does and is deleted once nothing uses it.
	// +optional
	PreviousTargetGroupARN string `json:"previousTargetGroupARN,omitempty"`
	// ListenerARN is the load balancer listener.
	// +optional
	ListenerARN string `json:"listenerARN,omitempty"`
	// RedirectListenerARN is the HTTP listener that redirects to HTTPS (with a
	// certificate only; ListenerARN is then the HTTPS listener).
	// +optional
	RedirectListenerARN string `json:"redirectListenerARN,omitempty"`
	// RunningCount is how many tasks were running at the last look.
	// +optional
	RunningCount int32 `json:"runningCount"`
	// DesiredCount is how many tasks the service was asked to run at the last look.
	// +optional
	DesiredCount int32 `json:"desiredCount"`
	// PendingCount is how many tasks were starting at the last look.
	// +optional
	PendingCount int32 `json:"pendingCount"`
	// RolloutState is the state of the service's primary deployment: IN_PROGRESS,
	// COMPLETED or FAILED.
	// +optional
	RolloutState string `json:"rolloutState,omitempty"`
	// Image is the image of the task definition the service runs.
	// +optional
	Image string `json:"image,omitempty"`
	// DeploymentID is the ECS deployment of TaskDefinitionARN, followed until it
	// completes or fails.
	// +optional
	DeploymentID string `json:"deploymentID,omitempty"`
	// FailedDeployment is the last rollout the deployment circuit breaker stopped. That
	// revision is not deployed again until the spec changes.
	// +optional
	FailedDeployment *FailedDeployment `json:"failedDeployment,omitempty"`
}

// FailedDeployment is a rollout of a task definition revision that failed.
type FailedDeployment struct {
	// TaskDefinitionARN is the revision that failed to roll out.
	TaskDefinitionARN string `json:"taskDefinitionARN"`
	// Image is that revision's image.
	// +optional
	Image string `json:"image,omitempty"`
	// Generation is the spec generation the revision was deployed for.
	Generation int64 `json:"generation"`
	// Reason is why its tasks stopped, as ECS said.
	// +optional
	Reason string `json:"reason,omitempty"`
	// RolledBackTo is the revision the circuit breaker rolled the service back to.
	// +optional
	RolledBackTo string `json:"rolledBackTo,omitempty"`
}
