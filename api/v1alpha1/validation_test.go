package v1alpha1_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	deployv1alpha1 "github.com/flaskops/flask-operator/api/v1alpha1"
)

const namespace = "default"

var nameSeq atomic.Int64

// uniqueName returns a fresh object name, so that specs never see each other's objects.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, nameSeq.Add(1))
}

// fromYAML builds an untyped FlaskDeployment with the given spec, so that a test sends
// exactly what it says (zero values included) instead of what Go's omitempty leaves.
func fromYAML(specYAML string) *unstructured.Unstructured {
	spec := map[string]any{}
	ExpectWithOffset(1, yaml.Unmarshal([]byte(specYAML), &spec)).To(Succeed())
	u := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	u.SetAPIVersion(deployv1alpha1.GroupVersion.String())
	u.SetKind("FlaskDeployment")
	u.SetNamespace(namespace)
	u.SetName(uniqueName("fd"))
	return u
}

// get reads a FlaskDeployment back as the API server stored it.
func get(name string) *deployv1alpha1.FlaskDeployment {
	fd := &deployv1alpha1.FlaskDeployment{}
	ExpectWithOffset(1, k8sClient.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, fd)).To(Succeed())
	return fd
}

// expectInvalid asserts err is an admission refusal (422) whose message names every want.
func expectInvalid(err error, want ...string) {
	ExpectWithOffset(1, err).To(HaveOccurred())
	ExpectWithOffset(1, apierrors.IsInvalid(err)).To(BeTrue(), "want an Invalid (422) error, got: %v", err)
	for _, w := range want {
		ExpectWithOffset(1, err.Error()).To(ContainSubstring(w))
	}
}

// tags returns a spec with n distinct tags.
func tags(n int) string {
	kv := make([]string, n)
	for i := range kv {
		kv[i] = fmt.Sprintf("k%d: v", i)
	}
	return "tags: {" + strings.Join(kv, ", ") + "}"
}

// A valid pipeline block, for specs that are otherwise about something else.
const connectionARN = "arn:aws:codestar-connections:us-east-1:123456789012:connection/0a1b2c3d"

var _ = Describe("FlaskDeployment CRD", func() {
	It("is installed with its short name, status subresource and printer columns", func() {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		Expect(k8sClient.Get(ctx, types.NamespacedName{Name: "flaskdeployments.deploy.flaskops.io"}, crd)).To(Succeed())
		Expect(crd.Spec.Names.ShortNames).To(ConsistOf("fd"))
		Expect(crd.Spec.Versions).To(HaveLen(1))
		v := crd.Spec.Versions[0]
		Expect(v.Name).To(Equal("v1alpha1"))
		Expect(v.Subresources).NotTo(BeNil())
		Expect(v.Subresources.Status).NotTo(BeNil())
		var columns []string
		for _, c := range v.AdditionalPrinterColumns {
			columns = append(columns, c.Name)
		}
		Expect(columns).To(ContainElements("Ready", "URL", "Age", "Message"))
	})

	It("applies every default in the API server", func() {
		u := fromYAML(`{}`)
		delete(u.Object, "spec") // not even an empty spec: the API server fills it in
		Expect(k8sClient.Create(ctx, u)).To(Succeed())

		s := get(u.GetName()).Spec
		Expect(s.Region).To(BeEmpty(), "region defaults to the operator's region, at reconcile time")
		Expect(s.DeletionPolicy).To(Equal(deployv1alpha1.DeletionPolicyDelete))
		Expect(s.ManagementPolicy).To(Equal(deployv1alpha1.ManagementPolicyFull))
		Expect(s.Suspend).To(BeFalse())
		Expect(s.Pipeline).To(BeNil())

		n := s.Network
		Expect(n.VPCCIDR).To(Equal("10.0.0.0/16"))
		Expect(n.AvailabilityZones).To(BeEmpty(), "zones default to the region's first two, at reconcile time")
		Expect(n.PublicSubnetCIDRs).To(Equal([]string{"10.0.1.0/24", "10.0.2.0/24"}))
		Expect(n.PrivateSubnetCIDRs).To(Equal([]string{"10.0.3.0/24", "10.0.4.0/24"}))
		Expect(n.NATGateways).To(Equal(deployv1alpha1.NATGatewaySingle))
		Expect(n.Existing).To(BeNil())

		r := s.Repository
		Expect(r.Name).To(BeEmpty(), "the name defaults to <namespace>-<name>, at reconcile time")
		Expect(r.ScanOnPush).To(Equal(ptr.To(true)))
		Expect(r.ImageTagMutability).To(Equal("MUTABLE"))
		Expect(r.Encryption).To(Equal(deployv1alpha1.EncryptionAES256))
		Expect(r.KMSKey).To(BeEmpty())
		Expect(r.KeepImages).To(Equal(int32(30)))

		sv := s.Service
		Expect(sv.Image).To(BeEmpty())
		Expect(sv.ContainerPort).To(Equal(int32(5000)))
		Expect(sv.CPU).To(Equal(int32(256)))
		Expect(sv.Memory).To(Equal(int32(512)))
		Expect(sv.DesiredCount).To(Equal(ptr.To(int32(2))))
		Expect(sv.HealthCheckPath).To(Equal("/"))
		Expect(sv.HealthCheckIntervalSeconds).To(Equal(int32(30)))
		Expect(sv.HealthCheckTimeoutSeconds).To(Equal(int32(5)))
		Expect(sv.HealthyThresholdCount).To(Equal(int32(5)))
		Expect(sv.UnhealthyThresholdCount).To(Equal(int32(2)))
		Expect(sv.HealthCheckGracePeriodSeconds).To(Equal(ptr.To(int32(60))))
		Expect(sv.LogRetentionDays).To(Equal(int32(7)))
		Expect(sv.Deployment.MaximumPercent).To(Equal(int32(200)))
		Expect(sv.Deployment.MinimumHealthyPercent).To(Equal(int32(50)))
		Expect(sv.Deployment.CircuitBreaker).To(Equal(ptr.To(true)))
		Expect(sv.LoadBalancer.Port).To(Equal(int32(80)))
		Expect(sv.LoadBalancer.CertificateARN).To(BeEmpty())
		Expect(sv.LoadBalancer.IdleTimeoutSeconds).To(Equal(int32(60)))
		Expect(sv.LoadBalancer.AllowedCIDRs).To(Equal([]string{"0.0.0.0/0"}))
		Expect(sv.LoadBalancer.SSLPolicy).To(Equal("ELBSecurityPolicy-TLS13-1-2-2021-06"))
		Expect(sv.LoadBalancer.DeregistrationDelaySeconds).To(Equal(ptr.To(int32(30))))
		Expect(sv.Autoscaling).To(BeNil())
	})

	It("applies the pipeline and autoscaling defaults when those sections are given", func() {
		u := fromYAML(`
service: {autoscaling: {minCount: 1, maxCount: 4}}
pipeline: {source: {owner: sachin, repo: mane, connectionARN: ` + connectionARN + `}}`)
		Expect(k8sClient.Create(ctx, u)).To(Succeed())

		s := get(u.GetName()).Spec
		Expect(s.Service.Autoscaling.TargetCPUPercent).To(Equal(int32(70)))
		p := s.Pipeline
		Expect(p.Source.Branch).To(Equal("main"))
		Expect(p.Buildspec).To(Equal("buildspec.yml"))
		Expect(p.BuildImage).To(Equal("aws/codebuild/standard:7.0"))
		Expect(p.ComputeType).To(Equal("BUILD_GENERAL1_SMALL"))
		Expect(p.ArtifactRetentionDays).To(Equal(int32(90)))
	})

	DescribeTable("accepts what AWS accepts",
		func(specYAML string) {
			Expect(k8sClient.Create(ctx, fromYAML(specYAML), client.FieldValidation("Strict"))).To(Succeed())
		},
		Entry("images with a registry port, a digest, or both a tag and a digest", `service: {image: "localhost:5000/team/web:v1.2_rc-3@sha256:`+strings.Repeat("0a", 32)+`"}`),
		Entry("an ECR image by digest", `service: {image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/mane/web@sha256:`+strings.Repeat("f", 64)+`"}`),
		Entry("an image whose path has separators", `service: {image: "ghcr.io/acme/web__api/v2.worker-x:latest"}`),
		Entry("secrets from a parameter path, a secret's JSON key and another partition", `
service:
  env: [{name: MODE, value: prod}]
  secrets:
  - {name: DB_URL, valueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/mane/prod/db_url"}
  - {name: DB_USER, valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:mane/db-AbCdEf:username::"}
  - {name: GOV, valueFrom: "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:gov+key=1@x"}`),
		Entry("a certificate in the spec's region", `{region: eu-west-1, service: {loadBalancer: {certificateARN: "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"}}}`),
		Entry("regions of the other partitions", `region: cn-northwest-1`),
		Entry("an ISO region", `region: us-isob-east-1`),
		Entry("a sovereign-cloud region", `region: eusc-de-east-1`),
		Entry("a Local Zone in the spec's region", `{region: us-west-2, network: {availabilityZones: [us-west-2a, us-west-2-lax-1a]}}`),
		Entry("40 tags with Unicode letters, spaces and the allowed symbols", strings.TrimSuffix(tags(38), "}")+
			`, "Kostenstelle Zürich": "Büro 7", "app.kubernetes.io/part-of": "web:api/v2=+-@ _."}`),
	)

	DescribeTable("refuses an invalid spec at admission, naming the field and the reason",
		func(specYAML, field, reason string) {
			expectInvalid(k8sClient.Create(ctx, fromYAML(specYAML)), field, reason)
		},
		// network: CIDR syntax and size
		Entry("VPC CIDR without a prefix", `network: {vpcCIDR: "10.0.0.0"}`,
			"spec.network.vpcCIDR", "must be an IPv4 CIDR"),
		Entry("IPv6 VPC CIDR", `network: {vpcCIDR: "fd00:10::/56"}`,
			"spec.network.vpcCIDR", "must be an IPv4 CIDR"),
		Entry("VPC larger than /16", `network: {vpcCIDR: "10.0.0.0/8"}`,
			"spec.network.vpcCIDR", "between /16 and /28"),
		Entry("VPC CIDR with host bits", `network: {vpcCIDR: "10.0.0.1/16"}`,
			"spec.network.vpcCIDR", "no host bits"),
		Entry("subnet CIDR that is not a CIDR", `network: {publicSubnetCIDRs: ["10.0.1.0/24", "ten"]}`,
			"spec.network.publicSubnetCIDRs", "must be an IPv4 CIDR"),
		Entry("subnet smaller than /28", `network: {privateSubnetCIDRs: ["10.0.3.0/29", "10.0.4.0/24"]}`,
			"spec.network.privateSubnetCIDRs", "between /16 and /28"),
		// network: subnets inside the VPC and disjoint
		Entry("public subnet outside the VPC", `network: {publicSubnetCIDRs: ["10.1.1.0/24", "10.0.2.0/24"]}`,
			"spec.network.publicSubnetCIDRs", "inside the VPC CIDR"),
		Entry("private subnet outside the VPC", `network: {vpcCIDR: "172.16.0.0/16", publicSubnetCIDRs: ["172.16.1.0/24", "172.16.2.0/24"], privateSubnetCIDRs: ["172.16.3.0/24", "10.0.4.0/24"]}`,
			"spec.network.privateSubnetCIDRs", "inside the VPC CIDR"),
		Entry("private subnet overlapping a public one", `network: {privateSubnetCIDRs: ["10.0.1.128/25", "10.0.4.0/24"]}`,
			"spec.network.privateSubnetCIDRs", "must not overlap"),
		Entry("the same public subnet twice", `network: {publicSubnetCIDRs: ["10.0.1.0/24", "10.0.1.0/24"]}`,
			"spec.network.publicSubnetCIDRs", "public subnet CIDRs must not overlap"),
		Entry("two overlapping private subnets", `network: {privateSubnetCIDRs: ["10.0.4.0/23", "10.0.5.0/24"]}`,
			"spec.network.privateSubnetCIDRs", "must not overlap"),
		Entry("public subnet CIDR with host bits", `network: {publicSubnetCIDRs: ["10.0.1.5/24", "10.0.2.0/24"]}`,
			"spec.network.publicSubnetCIDRs", "no host bits set"),
		Entry("private subnet CIDR with host bits", `network: {privateSubnetCIDRs: ["10.0.3.0/24", "10.0.4.1/24"]}`,
			"spec.network.privateSubnetCIDRs", "no host bits set"),
		// network: availability zones
		Entry("a single availability zone", `network: {availabilityZones: [us-east-1a], publicSubnetCIDRs: ["10.0.1.0/24"], privateSubnetCIDRs: ["10.0.3.0/24"]}`,
			"spec.network.availabilityZones", "at least two availability zones"),
		Entry("an availability zone twice", `network: {availabilityZones: [us-east-1a, us-east-1a]}`,
			"spec.network.availabilityZones", "must not list an availability zone twice"),
		Entry("three zones but the default two public subnets", `network: {availabilityZones: [us-east-1a, us-east-1b, us-east-1c], privateSubnetCIDRs: ["10.0.3.0/24", "10.0.4.0/24", "10.0.5.0/24"]}`,
			"spec.network.publicSubnetCIDRs", "exactly one public subnet CIDR per availability zone"),
		Entry("default zones but three private subnets", `network: {privateSubnetCIDRs: ["10.0.3.0/24", "10.0.4.0/24", "10.0.5.0/24"]}`,
			"spec.network.privateSubnetCIDRs", "two when availabilityZones is empty"),
		Entry("no private subnet at all", `network: {privateSubnetCIDRs: []}`,
			"spec.network.privateSubnetCIDRs", "exactly one private subnet CIDR per availability zone"),
		Entry("zones of another region", `{region: us-east-1, network: {availabilityZones: [us-west-2a, us-west-2b]}}`,
			"spec.network.availabilityZones", "must be in spec.region"),
		Entry("a zone whose name only starts like the region", `{region: us-east-1, network: {availabilityZones: [us-east-1a, us-east-12a]}}`,
			"spec.network.availabilityZones", "must be in spec.region"),
		Entry("zone IDs instead of zone names", `network: {availabilityZones: [use1-az1, use1-az2]}`,
			"spec.network.availabilityZones[0]", "should match"),
		// network: existing
		Entry("existing network with a VPC CIDR", `network: {vpcCIDR: "10.9.0.0/16", existing: {vpcID: vpc-0a1b, publicSubnetIDs: [subnet-01, subnet-03], privateSubnetIDs: [subnet-02]}}`,
			"spec.network.vpcCIDR", "when existing is set"),
		Entry("existing network with subnet CIDRs", `network: {publicSubnetCIDRs: ["10.0.7.0/24", "10.0.8.0/24"], existing: {vpcID: vpc-0a1b, publicSubnetIDs: [subnet-01, subnet-03], privateSubnetIDs: [subnet-02]}}`,
			"spec.network.publicSubnetCIDRs", "when existing is set"),
		Entry("existing network with zones", `network: {availabilityZones: [us-east-1a, us-east-1b], existing: {vpcID: vpc-0a1b, publicSubnetIDs: [subnet-01, subnet-03], privateSubnetIDs: [subnet-02]}}`,
			"spec.network.availabilityZones", "when existing is set"),
		Entry("existing network with NAT gateways per zone", `network: {natGateways: PerAZ, existing: {vpcID: vpc-0a1b, publicSubnetIDs: [subnet-01, subnet-03], privateSubnetIDs: [subnet-02]}}`,
			"spec.network.natGateways", "when existing is set"),
		Entry("existing network with one public subnet", `network: {existing: {vpcID: vpc-0a1b, publicSubnetIDs: [subnet-01], privateSubnetIDs: [subnet-02]}}`,
			"spec.network.existing.publicSubnetIDs", "at least two public subnet IDs"),
		Entry("existing network without private subnets", `network: {existing: {vpcID: vpc-0a1b, publicSubnetIDs: [subnet-01, subnet-03], privateSubnetIDs: []}}`,
			"spec.network.existing.privateSubnetIDs", "at least one private subnet"),
		Entry("existing network whose VPC ID is a subnet ID", `network: {existing: {vpcID: subnet-0a1b, publicSubnetIDs: [subnet-01, subnet-03], privateSubnetIDs: [subnet-02]}}`,
			"spec.network.existing.vpcID", "should match"),
		Entry("existing subnet both public and private", `network: {existing: {vpcID: vpc-0a1b, publicSubnetIDs: [subnet-01, subnet-03], privateSubnetIDs: [subnet-01]}}`,
			"spec.network.existing.privateSubnetIDs", "both public and private"),
		// service: Fargate sizes, ports, counts
		Entry("too much memory for 256 CPU", `service: {cpu: 256, memory: 4096}`,
			"spec.service.memory", "valid Fargate pair"),
		Entry("memory off the 1024 step for 512 CPU", `service: {cpu: 512, memory: 1536}`,
			"spec.service.memory", "valid Fargate pair"),
		Entry("memory off the 4096 step for 8192 CPU", `service: {cpu: 8192, memory: 18432}`,
			"spec.service.memory", "valid Fargate pair"),
		Entry("too little memory for 16384 CPU", `service: {cpu: 16384, memory: 16384}`,
			"spec.service.memory", "valid Fargate pair"),
		Entry("CPU that Fargate does not offer", `service: {cpu: 300, memory: 1024}`,
			"spec.service.cpu", "Unsupported value"),
		Entry("container port 0", `service: {containerPort: 0}`,
			"spec.service.containerPort", "greater than or equal to 1"),
		Entry("listener port above 65535", `service: {loadBalancer: {port: 70000}}`,
			"spec.service.loadBalancer.port", "less than or equal to 65535"),
		Entry("negative desired count", `service: {desiredCount: -1}`,
			"spec.service.desiredCount", "greater than or equal to 0"),
		Entry("autoscaling minimum above maximum", `service: {desiredCount: 3, autoscaling: {minCount: 5, maxCount: 2}}`,
			"spec.service.autoscaling.minCount", "must not be greater than maxCount"),
		Entry("desired count (default 2) below the autoscaling minimum", `service: {autoscaling: {minCount: 3, maxCount: 6}}`,
			"spec.service.desiredCount", "within autoscaling minCount..maxCount"),
		Entry("allowed CIDR that is not a CIDR", `service: {loadBalancer: {allowedCIDRs: ["0.0.0.0"]}}`,
			"spec.service.loadBalancer.allowedCIDRs", "must be an IPv4 CIDR"),
		Entry("a health check timeout as long as the interval", `service: {healthCheckIntervalSeconds: 5}`,
			"spec.service.healthCheckTimeoutSeconds", "must be shorter than healthCheckIntervalSeconds"),
		Entry("a healthy threshold of one probe", `service: {healthyThresholdCount: 1}`,
			"spec.service.healthyThresholdCount", "greater than or equal to 2"),
		Entry("a deregistration delay over an hour", `service: {loadBalancer: {deregistrationDelaySeconds: 3601}}`,
			"spec.service.loadBalancer.deregistrationDelaySeconds", "less than or equal to 3600"),
		Entry("an SSL policy that is not an ELB security policy", `service: {loadBalancer: {sslPolicy: "TLS-1-3"}}`,
			"spec.service.loadBalancer.sslPolicy", "should match"),
		Entry("the HTTP port on 443 next to HTTPS", `service: {loadBalancer: {port: 443, certificateARN: "arn:aws:acm:us-east-1:123456789012:certificate/0a1b"}}`,
			"spec.service.loadBalancer.port", "must not be 443 when certificateARN is set"),
		// service: certificate
		Entry("a certificate ARN with a short account", `service: {loadBalancer: {certificateARN: "arn:aws:acm:us-east-1:1234:certificate/0a1b"}}`,
			"spec.service.loadBalancer.certificateARN", "must be an ACM certificate ARN"),
		Entry("an IAM server certificate instead of ACM", `service: {loadBalancer: {certificateARN: "arn:aws:iam::123456789012:server-certificate/web"}}`,
			"spec.service.loadBalancer.certificateARN", "must be an ACM certificate ARN"),
		Entry("a certificate ARN without the certificate", `service: {loadBalancer: {certificateARN: "arn:aws:acm:us-east-1:123456789012:"}}`,
			"spec.service.loadBalancer.certificateARN", "must be an ACM certificate ARN"),
		Entry("a certificate of another region", `{region: us-east-1, service: {loadBalancer: {certificateARN: "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b"}}}`,
			"spec.service.loadBalancer.certificateARN", "must be a certificate in spec.region"),
		// service: secrets and environment
		Entry("a Secrets Manager wildcard", `service: {secrets: [{name: DB, valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-*"}]}`,
			"spec.service.secrets[0].valueFrom", "wildcards (* and ?)"),
		Entry("an SSM parameter wildcard", `service: {secrets: [{name: DB, valueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/app/db?"}]}`,
			"spec.service.secrets[0].valueFrom", "wildcards (* and ?)"),
		Entry("a parameter name instead of its ARN", `service: {secrets: [{name: DB, valueFrom: /app/db-url}]}`,
			"spec.service.secrets[0].valueFrom", "must be the full ARN"),
		Entry("an ARN of another service", `service: {secrets: [{name: DB, valueFrom: "arn:aws:s3:::bucket/db-url"}]}`,
			"spec.service.secrets[0].valueFrom", "must be the full ARN"),
		Entry("an SSM ARN without the account", `service: {secrets: [{name: DB, valueFrom: "arn:aws:ssm:us-east-1::parameter/app/db-url"}]}`,
			"spec.service.secrets[0].valueFrom", "must be the full ARN"),
		Entry("a Secrets Manager ARN without the secret", `service: {secrets: [{name: DB, valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:"}]}`,
			"spec.service.secrets[0].valueFrom", "must be the full ARN"),
		Entry("the same variable twice in env", `service: {env: [{name: MODE, value: a}, {name: MODE, value: b}]}`,
			"spec.service.env[1]", "Duplicate value"),
		Entry("the same secret twice", `service: {secrets: [{name: DB, valueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/a"}, {name: DB, valueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/b"}]}`,
			"spec.service.secrets[1]", "Duplicate value"),
		Entry("a secret named like a plain variable", `service: {env: [{name: DB, value: x}], secrets: [{name: DB, valueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/db"}]}`,
			"spec.service.secrets", "must not name a variable that env also sets"),
		Entry("an env value from a Kubernetes Secret", `service: {env: [{name: DB, valueFrom: {secretKeyRef: {name: db, key: url}}}]}`,
			"spec.service.env[0]", "valueFrom is not supported"),
		Entry("an env value from a field", `service: {env: [{name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]}`,
			"spec.service.env[0]", "list its ARN in spec.service.secrets"),
		// service: image
		Entry("an image over 255 characters", `service: {image: "`+strings.Repeat("a", 250)+`:1.2.3"}`,
			"spec.service.image", "Too long"),
		Entry("an image with an upper-case repository", `service: {image: "ghcr.io/Acme/web:1.0"}`,
			"spec.service.image", "must be an image reference"),
		Entry("an image with a short digest", `service: {image: "nginx@sha256:0a1b"}`,
			"spec.service.image", "must be an image reference"),
		Entry("an image with an empty tag", `service: {image: "nginx:"}`,
			"spec.service.image", "must be an image reference"),
		Entry("an image with a space", `service: {image: "nginx 1.27"}`,
			"spec.service.image", "must be an image reference"),
		// pipeline: GitHub authentication
		Entry("both a connection and a token Secret", `pipeline: {source: {owner: o, repo: r, connectionARN: `+connectionARN+`, oauthTokenSecretRef: {name: gh, key: token}}}`,
			"spec.pipeline.source", "exactly one of connectionARN"),
		Entry("neither a connection nor a token Secret", `pipeline: {source: {owner: o, repo: r}}`,
			"spec.pipeline.source", "exactly one of connectionARN"),
		Entry("a token Secret without a name", `pipeline: {source: {owner: o, repo: r, oauthTokenSecretRef: {key: token}}}`,
			"spec.pipeline.source.oauthTokenSecretRef.name", "must name the Secret"),
		// tags, region, repository
		Entry("a tag under the operator's prefix", `tags: {"flaskops.io/owner": me}`,
			"spec.tags", "reserved for the operator's ownership tags"),
		Entry("a tag under AWS's prefix", `tags: {"aws:cloudformation:stack-name": x}`,
			"spec.tags", "reserved by AWS"),
		Entry("a tag key over 128 characters", `tags: {`+strings.Repeat("k", 129)+`: v}`,
			"spec.tags", "1 to 128 characters"),
		Entry("a tag value over 256 characters", `tags: {k: `+strings.Repeat("v", 257)+`}`,
			"spec.tags.k", "Too long"),
		Entry("a tag key outside AWS's charset", `tags: {"team!": web}`,
			"spec.tags", "keys may hold only letters, digits, spaces"),
		Entry("a tag value outside AWS's charset", `tags: {team: "web;api"}`,
			"spec.tags[team]", "tag values may hold only letters, digits, spaces"),
		Entry("more than 40 tags", tags(41),
			"spec.tags", "must have at most 40 items"),
		Entry("a region that is not one", `region: mars`,
			"spec.region", "should match"),
		Entry("a region with a zone letter", `region: us-east-1a`,
			"spec.region", "should match"),
		Entry("an upper-case region", `region: US-EAST-1`,
			"spec.region", "should match"),
		Entry("a KMS key with AES256 encryption", `repository: {encryption: AES256, kmsKey: alias/ecr}`,
			"spec.repository.kmsKey", "only be set when encryption is KMS"),
		Entry("an upper-case repository name", `repository: {name: Mane}`,
			"spec.repository.name", "should match"),
	)

	Context("on update", func() {
		// base is an object with every immutable field set.
		const base = `
region: us-east-1
network:
  vpcCIDR: 10.8.0.0/16
  availabilityZones: [us-east-1a, us-east-1b]
  publicSubnetCIDRs: [10.8.1.0/24, 10.8.2.0/24]
  privateSubnetCIDRs: [10.8.3.0/24, 10.8.4.0/24]
repository: {name: mane/web, encryption: KMS, kmsKey: alias/mane}
service: {image: "nginx:1.27"}
`
		// createBase creates the base object and returns it as stored.
		createBase := func(specYAML string) *deployv1alpha1.FlaskDeployment {
			u := fromYAML(specYAML)
			ExpectWithOffset(1, k8sClient.Create(ctx, u)).To(Succeed())
			return get(u.GetName())
		}

		DescribeTable("refuses changing an immutable field, saying why",
			func(specYAML string, mutate func(*deployv1alpha1.FlaskDeploymentSpec), field, reason string) {
				fd := createBase(specYAML)
				mutate(&fd.Spec)
				expectInvalid(k8sClient.Update(ctx, fd), field, reason)
			},
			Entry("region changed", base, func(s *deployv1alpha1.FlaskDeploymentSpec) { s.Region = "eu-west-1" },
				"spec.region", "AWS resources cannot move between regions"),
			Entry("region removed", base, func(s *deployv1alpha1.FlaskDeploymentSpec) { s.Region = "" },
				"spec.region", "AWS resources cannot move between regions"),
			Entry("VPC CIDR changed", base, func(s *deployv1alpha1.FlaskDeploymentSpec) {
				s.Network.VPCCIDR = "10.9.0.0/16"
				s.Network.PublicSubnetCIDRs = []string{"10.9.1.0/24", "10.9.2.0/24"}
				s.Network.PrivateSubnetCIDRs = []string{"10.9.3.0/24", "10.9.4.0/24"}
			}, "spec.network.vpcCIDR", "AWS cannot change the primary CIDR block of a VPC"),
			Entry("VPC CIDR removed (back to the default)", base, func(s *deployv1alpha1.FlaskDeploymentSpec) {
				s.Network.VPCCIDR = ""
				s.Network.PublicSubnetCIDRs = nil
				s.Network.PrivateSubnetCIDRs = nil
			}, "spec.network.vpcCIDR", "AWS cannot change the primary CIDR block of a VPC"),
			Entry("availability zones changed", base, func(s *deployv1alpha1.FlaskDeploymentSpec) {
				s.Network.AvailabilityZones = []string{"us-east-1a", "us-east-1c"}
			}, "spec.network.availabilityZones", "subnets cannot move between availability zones"),
			Entry("availability zones removed", base, func(s *deployv1alpha1.FlaskDeploymentSpec) {
				s.Network.AvailabilityZones = nil
			}, "spec.network.availabilityZones", "subnets cannot move between availability zones"),
			Entry("a public subnet CIDR changed", base, func(s *deployv1alpha1.FlaskDeploymentSpec) {
				s.Network.PublicSubnetCIDRs = []string{"10.8.1.0/24", "10.8.5.0/24"}
			}, "spec.network.publicSubnetCIDRs", "AWS cannot change a subnet's CIDR block"),
			Entry("a private subnet CIDR changed", base, func(s *deployv1alpha1.FlaskDeploymentSpec) {
				s.Network.PrivateSubnetCIDRs = []string{"10.8.6.0/24", "10.8.4.0/24"}
			}, "spec.network.privateSubnetCIDRs", "AWS cannot change a subnet's CIDR block"),
			Entry("repository renamed", base, func(s *deployv1alpha1.FlaskDeploymentSpec) { s.Repository.Name = "mane/api" },
				"spec.repository.name", "ECR cannot rename a repository"),
			Entry("repository name removed", base, func(s *deployv1alpha1.FlaskDeploymentSpec) { s.Repository.Name = "" },
				"spec.repository.name", "ECR cannot rename a repository"),
			Entry("repository name set after creation", `service: {image: "nginx:1.27"}`,
				func(s *deployv1alpha1.FlaskDeploymentSpec) { s.Repository.Name = "mane/web" },
				"spec.repository.name", "ECR cannot rename a repository"),
			Entry("encryption changed", base, func(s *deployv1alpha1.FlaskDeploymentSpec) {
				s.Repository.Encryption = deployv1alpha1.EncryptionAES256
				s.Repository.KMSKey = ""
			}, "spec.repository.encryption", "ECR cannot re-encrypt an existing repository"),
			Entry("KMS key changed", base, func(s *deployv1alpha1.FlaskDeploymentSpec) { s.Repository.KMSKey = "alias/other" },
				"spec.repository.kmsKey", "ECR cannot re-encrypt an existing repository"),
			Entry("KMS key removed", base, func(s *deployv1alpha1.FlaskDeploymentSpec) { s.Repository.KMSKey = "" },
				"spec.repository.kmsKey", "ECR cannot re-encrypt an existing repository"),
			Entry("switching to an existing network", `service: {image: "nginx:1.27"}`,
				func(s *deployv1alpha1.FlaskDeploymentSpec) {
					s.Network.Existing = &deployv1alpha1.ExistingNetwork{VPCID: "vpc-0a1b", PublicSubnetIDs: []string{"subnet-01"}, PrivateSubnetIDs: []string{"subnet-02"}}
				}, "spec.network.existing", "cannot switch between an operator-created and an existing network"),
			Entry("switching away from an existing network", `
service: {image: "nginx:1.27"}
network: {existing: {vpcID: vpc-0a1b, publicSubnetIDs: [subnet-01, subnet-03], privateSubnetIDs: [subnet-02]}}`,
				func(s *deployv1alpha1.FlaskDeploymentSpec) { s.Network.Existing = nil },
				"spec.network.existing", "cannot switch between an operator-created and an existing network"),
		)

		It("refuses a region other than the one the resources were created in", func() {
			fd := createBase(`service: {image: "nginx:1.27"}`)
			fd.Status.Region = "us-east-1"
			Expect(k8sClient.Status().Update(ctx, fd)).To(Succeed())

			fd = get(fd.Name)
			fd.Spec.Region = "eu-west-1"
			expectInvalid(k8sClient.Update(ctx, fd), "spec.region", "the region the resources were created in")

			fd = get(fd.Name)
			fd.Spec.Region = "us-east-1"
			Expect(k8sClient.Update(ctx, fd)).To(Succeed())
		})

		It("refuses zones other than the ones the operator picked when the spec named none", func() {
			fd := createBase(`service: {image: "nginx:1.27"}`)
			fd.Status.Network.AvailabilityZones = []string{"us-east-1a", "us-east-1b"}
			Expect(k8sClient.Status().Update(ctx, fd)).To(Succeed())

			fd = get(fd.Name)
			fd.Spec.Network.AvailabilityZones = []string{"us-east-1a", "us-east-1c"}
			expectInvalid(k8sClient.Update(ctx, fd), "spec.network.availabilityZones", "the zones the subnets were created in")

			fd = get(fd.Name)
			fd.Spec.Network.AvailabilityZones = []string{"us-east-1a", "us-east-1b"}
			Expect(k8sClient.Update(ctx, fd)).To(Succeed())
		})

		DescribeTable("accepts changing a mutable field",
			func(specYAML string, mutate func(*deployv1alpha1.FlaskDeploymentSpec), check func(deployv1alpha1.FlaskDeploymentSpec)) {
				fd := createBase(specYAML)
				mutate(&fd.Spec)
				Expect(k8sClient.Update(ctx, fd)).To(Succeed())
				check(get(fd.Name).Spec)
			},
			Entry("desired count, size and image", base, func(s *deployv1alpha1.FlaskDeploymentSpec) {
				s.Service.DesiredCount = ptr.To(int32(0))
				s.Service.CPU, s.Service.Memory = 2048, 8192
				s.Service.Image = "nginx:1.28"
			}, func(s deployv1alpha1.FlaskDeploymentSpec) {
				Expect(*s.Service.DesiredCount).To(BeZero())
				Expect(s.Service.Memory).To(Equal(int32(8192)))
				Expect(s.Service.Image).To(Equal("nginx:1.28"))
			}),
			Entry("NAT gateways, tags and policies", base, func(s *deployv1alpha1.FlaskDeploymentSpec) {
				s.Network.NATGateways = deployv1alpha1.NATGatewayPerAZ
				s.Tags = map[string]string{"team": "web"}
				s.DeletionPolicy = deployv1alpha1.DeletionPolicyRetain
				s.ManagementPolicy = deployv1alpha1.ManagementPolicyObserve
				s.Suspend = true
			}, func(s deployv1alpha1.FlaskDeploymentSpec) {
				Expect(s.Network.NATGateways).To(Equal(deployv1alpha1.NATGatewayPerAZ))
				Expect(s.Tags).To(HaveKeyWithValue("team", "web"))
				Expect(s.Suspend).To(BeTrue())
			}),
			Entry("autoscaling and a pipeline added", base, func(s *deployv1alpha1.FlaskDeploymentSpec) {
				s.Service.Autoscaling = &deployv1alpha1.AutoscalingSpec{MinCount: 2, MaxCount: 8}
				s.Pipeline = &deployv1alpha1.PipelineSpec{Source: deployv1alpha1.GitHubSource{Owner: "o", Repo: "r", ConnectionARN: connectionARN}}
				s.Service.Image = ""
			}, func(s deployv1alpha1.FlaskDeploymentSpec) {
				Expect(s.Service.Autoscaling.TargetCPUPercent).To(Equal(int32(70)))
				Expect(s.Pipeline.Source.Branch).To(Equal("main"))
			}),
			Entry("region and zones set for the first time", `service: {image: "nginx:1.27"}`, func(s *deployv1alpha1.FlaskDeploymentSpec) {
				s.Region = "us-east-1"
				s.Network.AvailabilityZones = []string{"us-east-1a", "us-east-1b"}
			}, func(s deployv1alpha1.FlaskDeploymentSpec) {
				Expect(s.Region).To(Equal("us-east-1"))
				Expect(s.Network.AvailabilityZones).To(HaveLen(2))
			}),
			Entry("an existing network's subnets", `
network: {existing: {vpcID: vpc-0a1b, publicSubnetIDs: [subnet-01, subnet-03], privateSubnetIDs: [subnet-02]}}`,
				func(s *deployv1alpha1.FlaskDeploymentSpec) {
					s.Network.Existing.PublicSubnetIDs = []string{"subnet-01", "subnet-03", "subnet-04"}
				}, func(s deployv1alpha1.FlaskDeploymentSpec) {
					Expect(s.Network.Existing.PublicSubnetIDs).To(HaveLen(3))
				}),
		)
	})

	It("never stores a GitHub token written inline in the spec", func() {
		spec := `
pipeline: {source: {owner: acme, repo: shop, oauthToken: ghp_0123456789abcdef, oauthTokenSecretRef: {name: github, key: token}}}`
		By("refusing it under strict field validation, as kubectl and server-side apply send")
		err := k8sClient.Create(ctx, fromYAML(spec), client.FieldValidation("Strict"))
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring(`unknown field "spec.pipeline.source.oauthToken"`))

		By("pruning it when a client does not ask for strict validation")
		u := fromYAML(spec)
		Expect(k8sClient.Create(ctx, u, client.FieldValidation("Ignore"))).To(Succeed())
		stored := &unstructured.Unstructured{}
		stored.SetGroupVersionKind(u.GroupVersionKind())
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(u), stored)).To(Succeed())
		source, found, err := unstructured.NestedMap(stored.Object, "spec", "pipeline", "source")
		Expect(err).NotTo(HaveOccurred())
		Expect(found).To(BeTrue())
		Expect(source).To(HaveKeyWithValue("repo", "shop"))
		Expect(source).NotTo(HaveKey("oauthToken"))
	})

	It("accepts every sample in config/samples", func() {
		dir := filepath.Join("..", "..", "config", "samples")
		entries, err := os.ReadDir(dir)
		Expect(err).NotTo(HaveOccurred())
		created := 0
		for _, e := range entries {
			if e.IsDir() || filepath.Ext(e.Name()) != ".yaml" || e.Name() == "kustomization.yaml" {
				continue
			}
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			Expect(err).NotTo(HaveOccurred())
			for _, doc := range strings.Split(string(data), "\n---") {
				if strings.TrimSpace(doc) == "" {
					continue
				}
				u := &unstructured.Unstructured{}
				Expect(yaml.Unmarshal([]byte(doc), &u.Object)).To(Succeed(), e.Name())
				Expect(u.GetKind()).To(Equal("FlaskDeployment"), e.Name())
				u.SetNamespace(namespace)
				Expect(k8sClient.Create(ctx, u, client.FieldValidation("Strict"))).To(Succeed(), e.Name())
				created++
			}
		}
		Expect(created).To(BeNumerically(">=", 5))
	})
})
