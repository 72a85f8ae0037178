package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DeletionPolicy says what happens to AWS resources when the FlaskDeployment is deleted.
// +kubebuilder:validation:Enum=Delete;Retain
type DeletionPolicy string

const (
	// DeletionPolicyDelete deletes every AWS resource the object created.
	DeletionPolicyDelete DeletionPolicy = "Delete"
	// DeletionPolicyRetain leaves every resource in place and only removes its uid tag,
	// so that an object created again with the same namespace/name adopts it.
	DeletionPolicyRetain DeletionPolicy = "Retain"
)

// ManagementPolicy says whether the operator may change AWS.
// +kubebuilder:validation:Enum=Full;Observe
type ManagementPolicy string

const (
	// ManagementPolicyFull creates, repairs and deletes AWS resources.
	ManagementPolicyFull ManagementPolicy = "Full"
	// ManagementPolicyObserve only reads AWS and reports what it finds; it never writes.
	ManagementPolicyObserve ManagementPolicy = "Observe"
)

// FlaskDeploymentSpec describes the AWS home of one Flask web app: its network, image
// repository, Fargate service behind a load balancer, and the pipeline that builds it.
//
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.region) || size(oldSelf.region) == 0 || (has(self.region) && self.region == oldSelf.region)",message="is immutable once set: AWS resources cannot move between regions; create a new FlaskDeployment for another region",fieldPath=".region"
// +kubebuilder:validation:XValidation:rule="!has(self.region) || size(self.region) == 0 || !has(self.network) || !has(self.network.availabilityZones) || self.network.availabilityZones.all(z, z.startsWith(self.region) && (size(z) == size(self.region) + 1 || z.charAt(size(self.region)) == '-'))",message="every availability zone must be in spec.region, e.g. us-east-1a or us-east-1b for us-east-1",fieldPath=".network.availabilityZones"
// +kubebuilder:validation:XValidation:rule="!has(self.region) || size(self.region) == 0 || !has(self.service) || !has(self.service.loadBalancer) || !has(self.service.loadBalancer.certificateARN) || size(self.service.loadBalancer.certificateARN.split(':')) != 6 || self.service.loadBalancer.certificateARN.split(':')[3] == self.region",message="must be a certificate in spec.region: a load balancer can only use an ACM certificate from its own region",fieldPath=".service.loadBalancer.certificateARN"
type FlaskDeploymentSpec struct {
	// Region is the AWS region everything is created in, e.g. eu-west-1. Defaults to the
	// operator's configured region. Immutable once set: AWS resources cannot move regions.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^[a-z]{2,4}(-gov|-iso[a-z]?)?(-[a-z]+){1,2}-[0-9]{1,2}$`
	Region string `json:"region,omitempty"`

	// Tags are added to every AWS resource the operator creates, within AWS's limits: at
	// most 40 (AWS allows 50 and the operator needs a few), keys of 1 to 128 characters,
	// values of up to 256. Keys under flaskops.io/ are reserved for the operator's
	// ownership tags and keys under aws: are reserved by AWS.
	// +optional
	// +kubebuilder:validation:MaxProperties=40
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('flaskops.io/'))",message="keys under the flaskops.io/ prefix are reserved for the operator's ownership tags"
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.lowerAscii().startsWith('aws:'))",message="keys under the aws: prefix are reserved by AWS"
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.size() >= 1 && k.size() <= 128)",message="keys must be 1 to 128 characters long (AWS tag limit)"
	// +kubebuilder:validation:XValidation:rule=`self.all(k, k.matches('^[\\pL\\pZ\\pN_.:/=+@-]*$'))`,message="keys may hold only letters, digits, spaces and _ . : / = + - @ (AWS tag charset)"
	Tags map[string]TagValue `json:"tags,omitempty"`

	// Network is the VPC the app runs in: created by the operator from CIDRs (the
	// defaults give the seed's 10.0.0.0/16 with two public and two private /24s in the
	// region's first two zones), or an existing one named under existing, in which case
	// the CIDR fields keep their defaults and are ignored.
	// +kubebuilder:default={}
	Network NetworkSpec `json:"network,omitempty"`

	// Repository is the ECR repository the pipeline pushes images to.
	// +kubebuilder:default={}
	Repository RepositorySpec `json:"repository,omitempty"`

	// Service is the ECS Fargate service and its Application Load Balancer.
	// +kubebuilder:default={}
	Service ServiceSpec `json:"service,omitempty"`

	// Pipeline is the CodePipeline that builds every commit and deploys it. Without it,
	// no pipeline is created: the service runs service.image, or else the repository's
	// latest image once one is pushed by hand (the seed's manual docker push).
	// +optional
	Pipeline *PipelineSpec `json:"pipeline,omitempty"`

	// DeletionPolicy says what happens to AWS resources when this object is deleted:
	// Delete removes everything the operator created; Retain leaves it in place, released
	// (uid tag removed) for an object created again with the same namespace/name to adopt.
	// +kubebuilder:default=Delete
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// ManagementPolicy Full lets the operator create, repair and delete AWS resources;
	// Observe only reads AWS and reports drift, never writing.
	// +kubebuilder:default=Full
	ManagementPolicy ManagementPolicy `json:"managementPolicy,omitempty"`

	// Suspend scales the service to zero and deletes the NAT gateways, Elastic IPs and
	// load balancer to stop hourly cost; the VPC, repository, bucket, pipeline and logs stay.
	// +kubebuilder:default=false
	Suspend bool `json:"suspend,omitempty"`
}

// TagValue is the value of a user tag, within AWS's limits. It is an alias so that the
// spec's tags stay a map[string]string for Go while the CRD schema bounds each value,
// which is what lets the API server's CEL cost estimate admit the rules on tags.
// +kubebuilder:validation:MaxLength=256
// +kubebuilder:validation:XValidation:rule=`self.matches('^[\\pL\\pZ\\pN_.:/=+@-]*$')`,message="tag values may hold only letters, digits, spaces and _ . : / = + - @ (AWS tag charset)"
type TagValue = string

// FlaskDeploymentStatus is what the operator last found in AWS.
type FlaskDeploymentStatus struct {
	// ObservedGeneration is the generation of the spec the status was computed from.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: NetworkReady, RepositoryReady, ServiceReady and PipelineReady per stage,
	// Ready as their summary, and kstatus' Reconciling and Stalled.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// Region is the region the resources were created in, fixed at the first reconcile.
	// +optional
	Region string `json:"region,omitempty"`

	// URL is where the app answers: http(s)://<load balancer DNS name>.
	// +optional
	URL string `json:"url,omitempty"`

	// Message is a one-line summary of the Ready condition, for kubectl get.
	// +optional
	Message string `json:"message,omitempty"`

	// Phase sums the object up in one word for kubectl get: Ready, Suspended (Ready with
	// spec.suspend carried out), Progressing, Stalled, Deleting or Paused. It is derived
	// from the conditions, the pause annotation and the deletion timestamp whenever the
	// status is written, never set on its own.
	// +optional
	Phase string `json:"phase,omitempty"`

	// FirstReadyTime is when Ready first became True; later changes do not move it.
	// +optional
	FirstReadyTime *metav1.Time `json:"firstReadyTime,omitempty"`

	// Network holds the IDs of the network resources.
	// +optional
	Network NetworkStatus `json:"network,omitempty"`

	// Repository holds the ECR repository and its URI parameter.
	// +optional
	Repository RepositoryStatus `json:"repository,omitempty"`

	// Service holds the ECS and load balancer resources.
	// +optional
	Service ServiceStatus `json:"service,omitempty"`

	// Pipeline holds the CI/CD resources.
	// +optional
	Pipeline PipelineStatus `json:"pipeline,omitempty"`

	// DeployedRevision is what is running now.
	// +optional
	DeployedRevision *DeployedRevision `json:"deployedRevision,omitempty"`

	// Drift lists the fields found different from the spec at the last resync, each as
	// "<stage>: <what>", e.g. "network: route 0.0.0.0/0 missing in rtb-0a1b".
	// +optional
	Drift []string `json:"drift,omitempty"`
	// Leftovers lists, by ARN, the AWS resources still carrying this object's ownership
	// tags once every stage is deleted; the finalizer stays until they are gone.
	// +optional
	Leftovers []string `json:"leftovers,omitempty"`

	// TagKeys are the spec.tags keys the operator has put on AWS resources. A key that
	// leaves spec.tags is removed from every resource carrying it, then from this list
	// once every stage is ready again.
	// +optional
	TagKeys []string `json:"tagKeys,omitempty"`

	// OwnerUIDs are the UIDs this object had when the operator created its resources
	// (resources carry the UID in a tag). An object restored from a backup together with
	// its status gets a new UID and still owns what it created under the old one.
	// +optional
	// +kubebuilder:validation:MaxItems=16
	OwnerUIDs []string `json:"ownerUIDs,omitempty"`
}

// DeployedRevision is the commit, image and task definition the service runs.
type DeployedRevision struct {
	// Commit is the source commit the image was built from.
	// +optional
	Commit string `json:"commit,omitempty"`
	// Image is the image URI the service runs.
	// +optional
	Image string `json:"image,omitempty"`
	// TaskDefinitionARN is the task definition revision the service runs.
	// +optional
	TaskDefinitionARN string `json:"taskDefinitionARN,omitempty"`
	// PipelineExecutionID is the pipeline execution that deployed it.
	// +optional
	PipelineExecutionID string `json:"pipelineExecutionID,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=fd,categories=flaskops
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.status.url`
// +kubebuilder:printcolumn:name="Running",type=integer,JSONPath=`.status.service.runningCount`
// +kubebuilder:printcolumn:name="Desired",type=integer,JSONPath=`.status.service.desiredCount`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.message`,priority=0
// +kubebuilder:printcolumn:name="Commit",type=string,JSONPath=`.status.deployedRevision.commit`,priority=1
// +kubebuilder:validation:XValidation:rule="!has(self.status) || !has(self.status.region) || size(self.status.region) == 0 || !has(self.spec.region) || size(self.spec.region) == 0 || self.spec.region == self.status.region",message="must be the region the resources were created in (status.region): AWS resources cannot move between regions",fieldPath=".spec.region"
// +kubebuilder:validation:XValidation:rule="!has(self.status) || !has(self.status.network) || !has(self.status.network.availabilityZones) || !has(self.spec.network) || !has(self.spec.network.availabilityZones) || self.spec.network.availabilityZones == self.status.network.availabilityZones",message="must be the zones the subnets were created in (status.network.availabilityZones): subnets cannot move between availability zones",fieldPath=".spec.network.availabilityZones"

// FlaskDeployment is a Flask web app's whole AWS home: VPC, ECR repository, ECS Fargate
// service behind an Application Load Balancer, and a CodePipeline from GitHub.
type FlaskDeployment struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +kubebuilder:default={}
	Spec   FlaskDeploymentSpec   `json:"spec,omitempty"`
	Status FlaskDeploymentStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// FlaskDeploymentList contains a list of FlaskDeployment.
type FlaskDeploymentList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []FlaskDeployment `json:"items"`
}

func init() {
	SchemeBuilder.Register(&FlaskDeployment{}, &FlaskDeploymentList{})
}
