package v1alpha1

// RepositoryEncryption is how ECR encrypts images at rest.
// +kubebuilder:validation:Enum=AES256;KMS
type RepositoryEncryption string

const (
	// EncryptionAES256 uses S3-managed keys.
	EncryptionAES256 RepositoryEncryption = "AES256"
	// EncryptionKMS uses a KMS key (kmsKey, or the AWS-managed ECR key when empty).
	EncryptionKMS RepositoryEncryption = "KMS"
)

// RepositorySpec is the ECR repository the pipeline pushes images to.
//
// +kubebuilder:validation:XValidation:rule="!has(self.kmsKey) || size(self.kmsKey) == 0 || (has(self.encryption) && self.encryption == 'KMS')",message="may only be set when encryption is KMS",fieldPath=".kmsKey"
// +kubebuilder:validation:XValidation:rule="has(self.name) == has(oldSelf.name) && (!has(self.name) || self.name == oldSelf.name)",message="is immutable: ECR cannot rename a repository, a new name would create a new, empty repository; create a new FlaskDeployment instead",fieldPath=".name"
// +kubebuilder:validation:XValidation:rule="has(self.kmsKey) == has(oldSelf.kmsKey) && (!has(self.kmsKey) || self.kmsKey == oldSelf.kmsKey)",message="is immutable: ECR cannot re-encrypt an existing repository with another key",fieldPath=".kmsKey"
type RepositorySpec struct {
	// Name of the repository. Defaults to <cluster>/<namespace>/<name> (cluster: the
	// manager's --cluster-name), with a hash where ECR's name rules require one. Immutable,
	// including going from unset to set: ECR cannot rename a repository.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`
	Name string `json:"name,omitempty"`

	// ScanOnPush scans every pushed image for vulnerabilities.
	// +optional
	// +kubebuilder:default=true
	ScanOnPush *bool `json:"scanOnPush,omitempty"`

	// ImageTagMutability is MUTABLE (tags such as latest can move) or IMMUTABLE.
	// +optional
	// +kubebuilder:default=MUTABLE
	// +kubebuilder:validation:Enum=MUTABLE;IMMUTABLE
	ImageTagMutability string `json:"imageTagMutability,omitempty"`

	// Encryption is AES256 or KMS. Immutable: ECR cannot re-encrypt a repository.
	// +optional
	// +kubebuilder:default=AES256
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="is immutable: ECR cannot re-encrypt an existing repository"
	Encryption RepositoryEncryption `json:"encryption,omitempty"`

	// KMSKey is the ARN or ID of the KMS key when encryption is KMS; empty means the
	// AWS-managed ECR key. Only allowed with encryption KMS. Immutable.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	KMSKey string `json:"kmsKey,omitempty"`

	// KeepImages is how many images the lifecycle policy keeps; older ones expire.
	// Untagged images expire after a day.
	// +optional
	// +kubebuilder:default=30
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	KeepImages int32 `json:"keepImages,omitempty"`
}

// RepositoryStatus holds the ECR repository and the SSM parameter that publishes its URI.
type RepositoryStatus struct {
	// Name is the repository name.
	// +optional
	Name string `json:"name,omitempty"`
	// ARN is the repository ARN.
	// +optional
	ARN string `json:"arn,omitempty"`
	// URI is the repository URI images are pushed to.
	// +optional
	URI string `json:"uri,omitempty"`
	// RegistryID is the AWS account that holds the registry.
	// +optional
	RegistryID string `json:"registryID,omitempty"`
	// ParameterName is the SSM parameter holding the URI, read by the build.
	// +optional
	ParameterName string `json:"parameterName,omitempty"`
	// ImageCount is how many images the repository holds.
	// +optional
	ImageCount int32 `json:"imageCount,omitempty"`
}
