package ecs_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/ecs"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// The load-balancing side of the ecs stage: security groups, load balancer, target group
// and listener. Every test runs the whole stage (Reconcile/Delete) and asserts on these
// resources only, so they hold whatever the compute steps do.

// ingress lists a group's ingress rules as "tcp 80 0.0.0.0/0" or "tcp 5000 sg-...".
func ingress(t *testing.T, r *rig, groupID string) []string {
	t.Helper()
	out, err := r.clients.EC2(region).DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{groupID}})
	if err != nil {
		t.Fatalf("describe security group %s: %v", groupID, err)
	}
	var rules []string
	for _, p := range out.SecurityGroups[0].IpPermissions {
		for _, c := range p.IpRanges {
			rules = append(rules, strings.Join([]string{aws.ToString(p.IpProtocol), itoa(aws.ToInt32(p.FromPort)), aws.ToString(c.CidrIp)}, " "))
		}
		for _, g := range p.UserIdGroupPairs {
			rules = append(rules, strings.Join([]string{aws.ToString(p.IpProtocol), itoa(aws.ToInt32(p.FromPort)), aws.ToString(g.GroupId)}, " "))
		}
	}
	slices.Sort(rules)
	return rules
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

func describeLB(t *testing.T, r *rig, arn string) *elbv2types.LoadBalancer {
	t.Helper()
	out, err := r.clients.ELBv2(region).DescribeLoadBalancers(context.Background(), &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	if err != nil {
		t.Fatalf("describe load balancer %s: %v", arn, err)
	}
	return &out.LoadBalancers[0]
}

func idleTimeout(t *testing.T, r *rig, arn string) string {
	t.Helper()
	out, err := r.clients.ELBv2(region).DescribeLoadBalancerAttributes(context.Background(), &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("describe attributes of %s: %v", arn, err)
	}
	for _, a := range out.Attributes {
		if aws.ToString(a.Key) == "idle_timeout.timeout_seconds" {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

func deregistrationDelay(t *testing.T, r *rig, arn string) string {
	t.Helper()
	out, err := r.clients.ELBv2(region).DescribeTargetGroupAttributes(context.Background(), &elbv2.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("describe attributes of %s: %v", arn, err)
	}
	for _, a := range out.Attributes {
		if aws.ToString(a.Key) == "deregistration_delay.timeout_seconds" {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

func describeTG(t *testing.T, r *rig, arn string) *elbv2types.TargetGroup {
	t.Helper()
	out, err := r.clients.ELBv2(region).DescribeTargetGroups(context.Background(), &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{arn}})
	if err != nil {
		t.Fatalf("describe target group %s: %v", arn, err)
	}
	return &out.TargetGroups[0]
}

func listenersOf(t *testing.T, r *rig, lbARN string) []elbv2types.Listener {
	t.Helper()
	out, err := r.clients.ELBv2(region).DescribeListeners(context.Background(), &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(lbARN)})
	if err != nil {
		t.Fatalf("describe listeners of %s: %v", lbARN, err)
	}
	return out.Listeners
}

// liveLB counts fd's live load-balancing resources by "service/type".
func liveLB(r *rig, fd *v1alpha1.FlaskDeployment) map[string]int {
	out := map[string]int{}
	for k, n := range r.owned(fd) {
		if k == "ec2/security-group" || strings.HasPrefix(k, "elasticloadbalancing/") {
			out[k] = n
		}
	}
	return out
}

// listenerSummary describes a listener as "HTTPS:443 forward <tg> cert <arn> policy <p>"
// or "HTTP:80 redirect HTTPS:443 301".
func listenerSummary(l elbv2types.Listener) string {
	out := fmt.Sprintf("%s:%d", l.Protocol, aws.ToInt32(l.Port))
	for _, a := range l.DefaultActions {
		switch a.Type {
		case elbv2types.ActionTypeEnumForward:
			out += " forward " + aws.ToString(a.TargetGroupArn)
			if fc := a.ForwardConfig; fc != nil && len(fc.TargetGroups) > 1 {
				var tgs []string
				for _, tg := range fc.TargetGroups {
					tgs = append(tgs, fmt.Sprintf("%s=%d", aws.ToString(tg.TargetGroupArn), aws.ToInt32(tg.Weight)))
				}
				out += strings.Join(tgs, ",")
			}
		case elbv2types.ActionTypeEnumRedirect:
			rc := a.RedirectConfig
			out += fmt.Sprintf(" redirect %s:%s %s %s%s?%s", aws.ToString(rc.Protocol), aws.ToString(rc.Port), rc.StatusCode,
				aws.ToString(rc.Host), aws.ToString(rc.Path), aws.ToString(rc.Query))
		default:
			out += " " + string(a.Type)
		}
	}
	for _, c := range l.Certificates {
		out += " cert " + aws.ToString(c.CertificateArn)
	}
	if p := aws.ToString(l.SslPolicy); p != "" {
		out += " policy " + p
	}
	return out
}

func listenerSummaries(t *testing.T, r *rig, lbARN string) []string {
	t.Helper()
	var out []string
	for _, l := range listenersOf(t, r, lbARN) {
		out = append(out, listenerSummary(l))
	}
	slices.Sort(out)
	return out
}

// importCertificate imports a certificate into ACM (ISSUED at once) and returns its ARN.
func importCertificate(t *testing.T, cfg aws.Config) string {
	t.Helper()
	out, err := acm.NewFromConfig(cfg).ImportCertificate(context.Background(), &acm.ImportCertificateInput{
		Certificate: []byte("-----BEGIN CERTIFICATE-----\nZmFrZQ==\n-----END CERTIFICATE-----\n"),
		PrivateKey:  []byte("-----BEGIN PRIVATE KEY-----\nZmFrZQ==\n-----END PRIVATE KEY-----\n"),
	})
	if err != nil {
		t.Fatalf("import certificate: %v", err)
	}
	return aws.ToString(out.CertificateArn)
}

const redirectToHTTPS = " redirect HTTPS:443 HTTP_301 #{host}/#{path}?#{query}"

func TestLoadBalancingConverges(t *testing.T) {
	tests := []struct {
		name        string
		mutate      func(r *rig, fd *v1alpha1.FlaskDeployment)
		wantIngress []string
		wantIdle    string
		// wantListeners are the listener summaries, with TG for the target group's ARN
		// and CERT for the certificate's.
		wantListeners []string
		wantURL       string
	}{
		{
			name:          "seed defaults: HTTP 80 from everyone",
			wantIdle:      "60",
			wantListeners: []string{"HTTP:80 forward TG"},
			wantIngress:   []string{"tcp 80 0.0.0.0/0"},
			wantURL:       "http://DNS",
		},
		{
			name: "allowed CIDRs, idle timeout, health check path and another port from the spec",
			mutate: func(_ *rig, fd *v1alpha1.FlaskDeployment) {
				fd.Spec.Service.LoadBalancer.AllowedCIDRs = []string{"203.0.113.0/24", "198.51.100.0/24"}
				fd.Spec.Service.LoadBalancer.IdleTimeoutSeconds = 120
				fd.Spec.Service.LoadBalancer.Port = 8080
				fd.Spec.Service.HealthCheckPath = "/healthz"
			},
			wantIdle:      "120",
			wantListeners: []string{"HTTP:8080 forward TG"},
			wantIngress:   []string{"tcp 8080 198.51.100.0/24", "tcp 8080 203.0.113.0/24"},
			wantURL:       "http://DNS:8080",
		},
		{
			name: "certificate: HTTPS on 443 with the default TLS policy, HTTP on the spec port redirecting to it",
			mutate: func(r *rig, fd *v1alpha1.FlaskDeployment) {
				fd.Spec.Service.LoadBalancer.CertificateARN = importCertificate(r.t.(*testing.T), r.cfg)
			},
			wantIdle: "60",
			wantListeners: []string{"HTTP:80" + redirectToHTTPS,
				"HTTPS:443 forward TG cert CERT policy ELBSecurityPolicy-TLS13-1-2-2021-06"},
			wantIngress: []string{"tcp 443 0.0.0.0/0", "tcp 80 0.0.0.0/0"},
			wantURL:     "https://DNS",
		},
		{
			name: "certificate with another TLS policy and HTTP port",
			mutate: func(r *rig, fd *v1alpha1.FlaskDeployment) {
				fd.Spec.Service.LoadBalancer.CertificateARN = importCertificate(r.t.(*testing.T), r.cfg)
				fd.Spec.Service.LoadBalancer.SSLPolicy = "ELBSecurityPolicy-TLS13-1-3-2021-06"
				fd.Spec.Service.LoadBalancer.Port = 8080
				fd.Spec.Service.LoadBalancer.AllowedCIDRs = []string{"203.0.113.0/24"}
			},
			wantIdle: "60",
			wantListeners: []string{"HTTP:8080" + redirectToHTTPS,
				"HTTPS:443 forward TG cert CERT policy ELBSecurityPolicy-TLS13-1-3-2021-06"},
			wantIngress: []string{"tcp 443 203.0.113.0/24", "tcp 8080 203.0.113.0/24"},
			wantURL:     "https://DNS",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			fd := newFD("shop", "web")
			if tt.mutate != nil {
				tt.mutate(r, fd)
			}
			r.buildNetwork(fd)

			// First pass: the load balancer is provisioning, which is a wait but not a stop.
			res, err := r.pass(fd)
			if err != nil {
				t.Fatalf("first pass: %v", err)
			}
			st := fd.Status.Service
			if res.Done || !strings.Contains(res.Message, "load balancer "+owner(fd).Name(cloud.ELBName, "alb")+" provisioning") {
				t.Fatalf("first pass = %+v, want a wait naming the provisioning load balancer", res)
			}
			if st.TargetGroupARN == "" || st.ListenerARN == "" {
				t.Fatalf("target group and listener must be created while the load balancer provisions: %+v", st)
			}
			if got := ingress(t, r, st.LoadBalancerSecurityGroupID); !slices.Equal(got, tt.wantIngress) {
				t.Errorf("load balancer group ingress after the first pass = %v, want %v", got, tt.wantIngress)
			}

			res = r.converge(fd)
			st = fd.Status.Service
			lbSG, svcSG := st.LoadBalancerSecurityGroupID, st.ServiceSecurityGroupID
			if got := ingress(t, r, lbSG); !slices.Equal(got, tt.wantIngress) {
				t.Errorf("load balancer group ingress = %v, want %v", got, tt.wantIngress)
			}
			if got, want := ingress(t, r, svcSG), []string{"tcp 5000 " + lbSG}; !slices.Equal(got, want) {
				t.Errorf("service group ingress = %v, want %v", got, want)
			}

			lb := describeLB(t, r, st.LoadBalancerARN)
			var subnets, wantSubnets []string
			for _, z := range lb.AvailabilityZones {
				subnets = append(subnets, aws.ToString(z.SubnetId))
			}
			for _, s := range fd.Status.Network.PublicSubnets {
				wantSubnets = append(wantSubnets, s.ID)
			}
			slices.Sort(subnets)
			slices.Sort(wantSubnets)
			switch {
			case lb.State.Code != elbv2types.LoadBalancerStateEnumActive:
				t.Errorf("load balancer state = %s, want active", lb.State.Code)
			case lb.Scheme != elbv2types.LoadBalancerSchemeEnumInternetFacing:
				t.Errorf("scheme = %s", lb.Scheme)
			case aws.ToString(lb.LoadBalancerName) != owner(fd).Name(cloud.ELBName, "alb"):
				t.Errorf("name = %s", aws.ToString(lb.LoadBalancerName))
			case !slices.Equal(subnets, wantSubnets) || len(subnets) != 2:
				t.Errorf("subnets = %v, want the public subnets %v", subnets, wantSubnets)
			case !slices.Equal(lb.SecurityGroups, []string{lbSG}):
				t.Errorf("security groups = %v, want [%s]", lb.SecurityGroups, lbSG)
			case aws.ToString(lb.DNSName) != st.LoadBalancerDNS || st.LoadBalancerDNS == "":
				t.Errorf("status DNS %q, load balancer's %q", st.LoadBalancerDNS, aws.ToString(lb.DNSName))
			}
			if got := idleTimeout(t, r, st.LoadBalancerARN); got != tt.wantIdle {
				t.Errorf("idle timeout = %s, want %s", got, tt.wantIdle)
			}

			tg := describeTG(t, r, st.TargetGroupARN)
			wantPath := fd.Spec.Service.HealthCheckPath
			if tg.Protocol != elbv2types.ProtocolEnumHttp || aws.ToInt32(tg.Port) != 5000 || tg.TargetType != elbv2types.TargetTypeEnumIp ||
				aws.ToString(tg.VpcId) != fd.Status.Network.VPCID || aws.ToString(tg.HealthCheckPath) != wantPath ||
				aws.ToString(tg.Matcher.HttpCode) != "200" || aws.ToString(tg.TargetGroupName) != owner(fd).Name(cloud.ELBName, "tg5000") {
				t.Errorf("target group = %s %s:%d %s vpc %s check %s %s", aws.ToString(tg.TargetGroupName), tg.Protocol, aws.ToInt32(tg.Port),
					tg.TargetType, aws.ToString(tg.VpcId), aws.ToString(tg.HealthCheckPath), aws.ToString(tg.Matcher.HttpCode))
			}

			var wantListeners []string
			for _, l := range tt.wantListeners {
				l = strings.ReplaceAll(l, "TG", st.TargetGroupARN)
				wantListeners = append(wantListeners, strings.ReplaceAll(l, "CERT", fd.Spec.Service.LoadBalancer.CertificateARN))
			}
			if got := listenerSummaries(t, r, st.LoadBalancerARN); !slices.Equal(got, wantListeners) {
				t.Errorf("listeners = %q, want %q", got, wantListeners)
			}
			if wantURL := strings.Replace(tt.wantURL, "DNS", st.LoadBalancerDNS, 1); ecs.URL(fd) != wantURL || !strings.HasSuffix(res.Message, " behind "+wantURL) {
				t.Errorf("URL %q, ready message %q; want %s", ecs.URL(fd), res.Message, wantURL)
			}
			if wantRedirect := fd.Spec.Service.LoadBalancer.CertificateARN != ""; (st.RedirectListenerARN != "") != wantRedirect {
				t.Errorf("status.service.redirectListenerARN = %q with certificate %t", st.RedirectListenerARN, wantRedirect)
			}

			want := map[string]int{"ec2/security-group": 2, "elasticloadbalancing/loadbalancer": 1,
				"elasticloadbalancing/targetgroup": 1, "elasticloadbalancing/listener": len(tt.wantListeners)}
			if got := liveLB(r, fd); !mapsEqual(got, want) {
				t.Errorf("owned load-balancing resources = %v, want %v", got, want)
			}

			// Converged: a further pass changes nothing and notes no drift.
			if _, err := r.pass(fd); err != nil {
				t.Fatal(err)
			}
			if ecsDrift(fd) != nil {
				t.Errorf("drift after a clean pass: %v", ecsDrift(fd))
			}
			if got := liveLB(r, fd); !mapsEqual(got, want) {
				t.Errorf("after a second pass: %v, want %v", got, want)
			}
		})
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// ecsDrift is status.drift's ecs entries.
func ecsDrift(fd *v1alpha1.FlaskDeployment) []string {
	var out []string
	for _, d := range fd.Status.Drift {
		if strings.HasPrefix(d, ecs.Name+": ") {
			out = append(out, d)
		}
	}
	return out
}

type lbClients struct {
	ec2 *ec2.Client
	elb *elbv2.Client
}

func elbTagger(c lbClients) cloud.Tagger { return cloud.ELBTagger(c.elb) }
func ec2Tagger(c lbClients) cloud.Tagger { return cloud.EC2Tagger(c.ec2) }

func elbTags(t *testing.T, r *rig, arn string) map[string]string {
	t.Helper()
	out, err := r.clients.ELBv2(region).DescribeTags(context.Background(), &elbv2.DescribeTagsInput{ResourceArns: []string{arn}})
	if err != nil || len(out.TagDescriptions) != 1 {
		t.Fatalf("describe tags of %s: %v", arn, err)
	}
	return cloud.FromELB(out.TagDescriptions[0].Tags)
}

func groupTags(t *testing.T, r *rig, id string) map[string]string {
	t.Helper()
	out, err := r.clients.EC2(region).DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil || len(out.SecurityGroups) != 1 {
		t.Fatalf("describe security group %s: %v", id, err)
	}
	return cloud.FromEC2(out.SecurityGroups[0].Tags)
}

// lbDrift is a console edit of a load-balancing resource and what its repair looks like.
type lbDrift struct {
	name      string
	breakIt   func(ctx context.Context, c lbClients, st v1alpha1.ServiceStatus) error
	wantDrift string
	check     func(t *testing.T, r *rig, fd *v1alpha1.FlaskDeployment)
}

func TestLoadBalancingDriftRepaired(t *testing.T) {
	tests := []lbDrift{
		{
			name: "load balancer ingress rule revoked",
			breakIt: func(ctx context.Context, c lbClients, st v1alpha1.ServiceStatus) error {
				_, err := c.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(st.LoadBalancerSecurityGroupID),
					IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80),
						IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
				return err
			},
			wantDrift: "lacked ingress tcp 80 from 0.0.0.0/0; added",
			check: func(t *testing.T, r *rig, fd *v1alpha1.FlaskDeployment) {
				if got := ingress(t, r, fd.Status.Service.LoadBalancerSecurityGroupID); !slices.Equal(got, []string{"tcp 80 0.0.0.0/0"}) {
					t.Errorf("ingress = %v", got)
				}
			},
		},
		{
			name: "service group opened to the internet",
			breakIt: func(ctx context.Context, c lbClients, st v1alpha1.ServiceStatus) error {
				_, err := c.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(st.ServiceSecurityGroupID),
					IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
						IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
				return err
			},
			wantDrift: "had unexpected ingress tcp 22 from 0.0.0.0/0; revoked",
			check: func(t *testing.T, r *rig, fd *v1alpha1.FlaskDeployment) {
				st := fd.Status.Service
				if got := ingress(t, r, st.ServiceSecurityGroupID); !slices.Equal(got, []string{"tcp 5000 " + st.LoadBalancerSecurityGroupID}) {
					t.Errorf("ingress = %v", got)
				}
			},
		},
		{
			name: "idle timeout changed",
			breakIt: func(ctx context.Context, c lbClients, st v1alpha1.ServiceStatus) error {
				_, err := c.elb.ModifyLoadBalancerAttributes(ctx, &elbv2.ModifyLoadBalancerAttributesInput{LoadBalancerArn: aws.String(st.LoadBalancerARN),
					Attributes: []elbv2types.LoadBalancerAttribute{{Key: aws.String("idle_timeout.timeout_seconds"), Value: aws.String("900")}}})
				return err
			},
			wantDrift: "had idle timeout 900s; set to 60s",
			check: func(t *testing.T, r *rig, fd *v1alpha1.FlaskDeployment) {
				if got := idleTimeout(t, r, fd.Status.Service.LoadBalancerARN); got != "60" {
					t.Errorf("idle timeout = %s", got)
				}
			},
		},
		{
			name: "load balancer put behind the service group",
			breakIt: func(ctx context.Context, c lbClients, st v1alpha1.ServiceStatus) error {
				_, err := c.elb.SetSecurityGroups(ctx, &elbv2.SetSecurityGroupsInput{LoadBalancerArn: aws.String(st.LoadBalancerARN),
					SecurityGroups: []string{st.ServiceSecurityGroupID}})
				return err
			},
			wantDrift: "had security groups",
			check: func(t *testing.T, r *rig, fd *v1alpha1.FlaskDeployment) {
				st := fd.Status.Service
				if got := describeLB(t, r, st.LoadBalancerARN).SecurityGroups; !slices.Equal(got, []string{st.LoadBalancerSecurityGroupID}) {
					t.Errorf("security groups = %v", got)
				}
			},
		},
		{
			name: "health check path and matcher changed",
			breakIt: func(ctx context.Context, c lbClients, st v1alpha1.ServiceStatus) error {
				_, err := c.elb.ModifyTargetGroup(ctx, &elbv2.ModifyTargetGroupInput{TargetGroupArn: aws.String(st.TargetGroupARN),
					HealthCheckPath: aws.String("/admin"), Matcher: &elbv2types.Matcher{HttpCode: aws.String("200-399")}})
				return err
			},
			wantDrift: "checked health at /admin expecting 200-399 every 30s (timeout 5s, healthy after 5, unhealthy after 2); set to / expecting 200 every 30s",
			check: func(t *testing.T, r *rig, fd *v1alpha1.FlaskDeployment) {
				tg := describeTG(t, r, fd.Status.Service.TargetGroupARN)
				if aws.ToString(tg.HealthCheckPath) != "/" || aws.ToString(tg.Matcher.HttpCode) != "200" {
					t.Errorf("health check = %s %s", aws.ToString(tg.HealthCheckPath), aws.ToString(tg.Matcher.HttpCode))
				}
			},
		},
		{
			name: "health check interval and thresholds changed",
			breakIt: func(ctx context.Context, c lbClients, st v1alpha1.ServiceStatus) error {
				_, err := c.elb.ModifyTargetGroup(ctx, &elbv2.ModifyTargetGroupInput{TargetGroupArn: aws.String(st.TargetGroupARN),
					HealthCheckIntervalSeconds: aws.Int32(300), HealthyThresholdCount: aws.Int32(10), UnhealthyThresholdCount: aws.Int32(10)})
				return err
			},
			wantDrift: "every 300s (timeout 5s, healthy after 10, unhealthy after 10); set to / expecting 200 every 30s (timeout 5s, healthy after 5, unhealthy after 2)",
			check: func(t *testing.T, r *rig, fd *v1alpha1.FlaskDeployment) {
				tg := describeTG(t, r, fd.Status.Service.TargetGroupARN)
				if aws.ToInt32(tg.HealthCheckIntervalSeconds) != 30 || aws.ToInt32(tg.HealthyThresholdCount) != 5 || aws.ToInt32(tg.UnhealthyThresholdCount) != 2 {
					t.Errorf("health check every %ds, healthy after %d, unhealthy after %d", aws.ToInt32(tg.HealthCheckIntervalSeconds),
						aws.ToInt32(tg.HealthyThresholdCount), aws.ToInt32(tg.UnhealthyThresholdCount))
				}
			},
		},
		{
			name: "deregistration delay back to AWS's 300 s",
			breakIt: func(ctx context.Context, c lbClients, st v1alpha1.ServiceStatus) error {
				_, err := c.elb.ModifyTargetGroupAttributes(ctx, &elbv2.ModifyTargetGroupAttributesInput{TargetGroupArn: aws.String(st.TargetGroupARN),
					Attributes: []elbv2types.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("300")}}})
				return err
			},
			wantDrift: "had deregistration delay 300s; set to 30s",
			check: func(t *testing.T, r *rig, fd *v1alpha1.FlaskDeployment) {
				if got := deregistrationDelay(t, r, fd.Status.Service.TargetGroupARN); got != "30" {
					t.Errorf("deregistration delay %s", got)
				}
			},
		},
		{
			name: "listener deleted",
			breakIt: func(ctx context.Context, c lbClients, st v1alpha1.ServiceStatus) error {
				_, err := c.elb.DeleteListener(ctx, &elbv2.DeleteListenerInput{ListenerArn: aws.String(st.ListenerARN)})
				return err
			},
			wantDrift: "no longer exists; creating a new one",
			check: func(t *testing.T, r *rig, fd *v1alpha1.FlaskDeployment) {
				st := fd.Status.Service
				ls := listenersOf(t, r, st.LoadBalancerARN)
				if len(ls) != 1 || aws.ToString(ls[0].ListenerArn) != st.ListenerARN || aws.ToInt32(ls[0].Port) != 80 ||
					aws.ToString(ls[0].DefaultActions[0].TargetGroupArn) != st.TargetGroupARN {
					t.Errorf("listeners = %+v, status %s", ls, st.ListenerARN)
				}
			},
		},
		{
			name: "listener moved to another port",
			breakIt: func(ctx context.Context, c lbClients, st v1alpha1.ServiceStatus) error {
				_, err := c.elb.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: aws.String(st.ListenerARN), Port: aws.Int32(8080)})
				return err
			},
			wantDrift: "was HTTP:8080; set to HTTP:80",
			check: func(t *testing.T, r *rig, fd *v1alpha1.FlaskDeployment) {
				ls := listenersOf(t, r, fd.Status.Service.LoadBalancerARN)
				if len(ls) != 1 || aws.ToInt32(ls[0].Port) != 80 {
					t.Errorf("listeners = %+v", ls)
				}
			},
		},
	}
	// A resource tag taken off any of them is put back.
	for _, res := range []struct {
		name, what string
		id         func(v1alpha1.ServiceStatus) string
		tagger     func(lbClients) cloud.Tagger
		tags       func(*testing.T, *rig, string) map[string]string
	}{
		{"load balancer", "load balancer", func(st v1alpha1.ServiceStatus) string { return st.LoadBalancerARN }, elbTagger, elbTags},
		{"target group", "target group", func(st v1alpha1.ServiceStatus) string { return st.TargetGroupARN }, elbTagger, elbTags},
		{"listener", "listener", func(st v1alpha1.ServiceStatus) string { return st.ListenerARN }, elbTagger, elbTags},
		{"load balancer's security group", "security group", func(st v1alpha1.ServiceStatus) string { return st.LoadBalancerSecurityGroupID }, ec2Tagger, groupTags},
		{"tasks' security group", "security group", func(st v1alpha1.ServiceStatus) string { return st.ServiceSecurityGroupID }, ec2Tagger, groupTags},
	} {
		var id string
		tests = append(tests, lbDrift{
			name: "resource tag removed from " + res.name,
			breakIt: func(ctx context.Context, c lbClients, st v1alpha1.ServiceStatus) error {
				id = res.id(st)
				return res.tagger(c).RemoveTags(ctx, id, []string{cloud.TagResource})
			},
			wantDrift: "tags " + cloud.TagResource + " restored on " + res.what,
			check: func(t *testing.T, r *rig, fd *v1alpha1.FlaskDeployment) {
				if got := res.tags(t, r, id)[cloud.TagResource]; got == "" {
					t.Errorf("%s %s: tag %s not restored", res.what, id, cloud.TagResource)
				}
			},
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			fd := newFD("shop", "web")
			r.buildNetwork(fd)
			r.converge(fd)
			c := lbClients{ec2: r.clients.EC2(region), elb: r.clients.ELBv2(region)}
			if err := tt.breakIt(context.Background(), c, fd.Status.Service); err != nil {
				t.Fatalf("break: %v", err)
			}
			if _, err := r.pass(fd); err != nil {
				t.Fatalf("repair pass: %v", err)
			}
			drift := ecsDrift(fd)
			if !slices.ContainsFunc(drift, func(d string) bool { return strings.Contains(d, tt.wantDrift) }) {
				t.Errorf("status.drift = %q, want an entry with %q", drift, tt.wantDrift)
			}
			tt.check(t, r, fd)
			want := map[string]int{"ec2/security-group": 2, "elasticloadbalancing/loadbalancer": 1,
				"elasticloadbalancing/targetgroup": 1, "elasticloadbalancing/listener": 1}
			if got := liveLB(r, fd); !mapsEqual(got, want) {
				t.Errorf("owned load-balancing resources = %v, want %v", got, want)
			}
			// Repaired: the next pass finds nothing to note.
			if _, err := r.pass(fd); err != nil {
				t.Fatal(err)
			}
			if d := ecsDrift(fd); d != nil {
				t.Errorf("drift after the repair: %q", d)
			}
		})
	}
}

func TestLoadBalancingObserveReportsOnly(t *testing.T) {
	r := newRig(t)
	fd := newFD("shop", "web")
	r.buildNetwork(fd)
	fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
	res, err := r.pass(fd)
	if err != nil {
		t.Fatal(err)
	}
	if res.Done || !strings.Contains(res.Message, "load balancer "+owner(fd).Name(cloud.ELBName, "alb")) || !strings.Contains(res.Message, "security group") {
		t.Errorf("observe on nothing = %+v, want the missing security groups and load balancer named", res)
	}
	if got := liveLB(r, fd); len(got) != 0 {
		t.Fatalf("observe created %v", got)
	}

	fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyFull
	r.converge(fd)
	st := fd.Status.Service
	fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
	if _, err := r.clients.ELBv2(region).DeleteListener(context.Background(), &elbv2.DeleteListenerInput{ListenerArn: aws.String(st.ListenerARN)}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.clients.ELBv2(region).ModifyLoadBalancerAttributes(context.Background(), &elbv2.ModifyLoadBalancerAttributesInput{LoadBalancerArn: aws.String(st.LoadBalancerARN),
		Attributes: []elbv2types.LoadBalancerAttribute{{Key: aws.String("idle_timeout.timeout_seconds"), Value: aws.String("900")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.pass(fd); err != nil {
		t.Fatal(err)
	}
	if got := idleTimeout(t, r, st.LoadBalancerARN); got != "900" {
		t.Errorf("observe changed the idle timeout to %s", got)
	}
	if ls := listenersOf(t, r, st.LoadBalancerARN); len(ls) != 0 {
		t.Errorf("observe created a listener")
	}
	if d := ecsDrift(fd); !slices.ContainsFunc(d, func(s string) bool {
		return strings.Contains(s, "idle timeout 900s") && strings.Contains(s, "not repaired")
	}) {
		t.Errorf("status.drift = %q, want the idle timeout reported as not repaired", d)
	}
}

func TestLoadBalancingForeignLoadBalancerIsNeverAdopted(t *testing.T) {
	r := newRig(t)
	fd := newFD("shop", "web")
	r.buildNetwork(fd)
	name := owner(fd).Name(cloud.ELBName, "alb")
	var subnets []string
	for _, s := range fd.Status.Network.PublicSubnets {
		subnets = append(subnets, s.ID)
	}
	out, err := r.clients.ELBv2(region).CreateLoadBalancer(context.Background(), &elbv2.CreateLoadBalancerInput{
		Name: aws.String(name), Subnets: subnets, Tags: []elbv2types.Tag{{Key: aws.String("team"), Value: aws.String("other")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	foreign := aws.ToString(out.LoadBalancers[0].LoadBalancerArn)

	_, err = r.pass(fd)
	term, ok := stage.AsTerminal(err)
	if !ok || term.Reason != v1alpha1.ReasonOwnershipConflict || !strings.Contains(err.Error(), name) {
		t.Fatalf("pass with a foreign load balancer named %s: err = %v, want terminal %s", name, err, v1alpha1.ReasonOwnershipConflict)
	}
	if fd.Status.Service.LoadBalancerARN != "" {
		t.Errorf("status adopted the foreign load balancer: %s", fd.Status.Service.LoadBalancerARN)
	}
	if ls := listenersOf(t, r, foreign); len(ls) != 0 {
		t.Errorf("a listener was put on the foreign load balancer")
	}

	// Deleting the object leaves the foreign load balancer alone.
	r.deleteAll(fd)
	if lb := describeLB(t, r, foreign); aws.ToString(lb.LoadBalancerArn) != foreign {
		t.Errorf("foreign load balancer gone")
	}
	if got := liveLB(r, fd); len(got) != 0 {
		t.Errorf("left after delete: %v", got)
	}
}

func TestLoadBalancingSuspendAndResume(t *testing.T) {
	r := newRig(t)
	fd := newFD("shop", "web")
	r.buildNetwork(fd)
	r.converge(fd)
	before := fd.Status.Service

	fd.Spec.Suspend = true
	res := r.converge(fd)
	if res.Reason != v1alpha1.ReasonSuspended {
		t.Errorf("suspended result = %+v", res)
	}
	st := fd.Status.Service
	if st.LoadBalancerARN != "" || st.LoadBalancerDNS != "" || st.ListenerARN != "" {
		t.Errorf("suspended status still names the load balancer or listener: %+v", st)
	}
	if st.TargetGroupARN != before.TargetGroupARN || st.LoadBalancerSecurityGroupID != before.LoadBalancerSecurityGroupID ||
		st.ServiceSecurityGroupID != before.ServiceSecurityGroupID {
		t.Errorf("suspend changed the kept resources: %+v, before %+v", st, before)
	}
	want := map[string]int{"ec2/security-group": 2, "elasticloadbalancing/targetgroup": 1}
	if got := liveLB(r, fd); !mapsEqual(got, want) {
		t.Errorf("suspended: %v, want %v", got, want)
	}
	if _, err := r.clients.ELBv2(region).DescribeLoadBalancers(context.Background(),
		&elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{before.LoadBalancerARN}}); !cloud.IsNotFound(err) {
		t.Errorf("load balancer %s not deleted: %v", before.LoadBalancerARN, err)
	}

	fd.Spec.Suspend = false
	r.converge(fd)
	st = fd.Status.Service
	if st.LoadBalancerARN == "" || st.LoadBalancerARN == before.LoadBalancerARN || st.ListenerARN == "" || st.TargetGroupARN != before.TargetGroupARN {
		t.Errorf("resumed status = %+v, before %+v", st, before)
	}
	if describeLB(t, r, st.LoadBalancerARN).State.Code != elbv2types.LoadBalancerStateEnumActive {
		t.Errorf("resumed load balancer not active")
	}
	want = map[string]int{"ec2/security-group": 2, "elasticloadbalancing/loadbalancer": 1,
		"elasticloadbalancing/targetgroup": 1, "elasticloadbalancing/listener": 1}
	if got := liveLB(r, fd); !mapsEqual(got, want) {
		t.Errorf("resumed: %v, want %v", got, want)
	}
	if d := ecsDrift(fd); d != nil {
		t.Errorf("resume is not drift: %q", d)
	}
}

func TestLoadBalancingDeleteWaitsForInterfaces(t *testing.T) {
	r := newRig(t)
	fd := newFD("shop", "web")
	r.buildNetwork(fd)
	r.converge(fd)
	st := fd.Status.Service
	sgLive := func() bool { return liveLB(r, fd)["ec2/security-group"] > 0 }

	var lbGoneAt time.Time
	sawWait := false
	for i := 0; ; i++ {
		if i > 60 {
			t.Fatalf("not deleted after 60 passes: %v", liveLB(r, fd))
		}
		res, err := r.stage.Delete(context.Background(), fd)
		if err != nil {
			t.Fatalf("delete: %v", err)
		}
		if lbGoneAt.IsZero() && liveLB(r, fd)["elasticloadbalancing/loadbalancer"] == 0 {
			lbGoneAt = r.clock.Now()
		}
		if !lbGoneAt.IsZero() && sgLive() {
			if res.Done || res.Reason != v1alpha1.ReasonWaitingForDeletion || !strings.Contains(res.Message, "security group") {
				t.Fatalf("security groups left while the load balancer's interfaces drain, result %+v", res)
			}
			if !sawWait {
				// The tasks' rule naming the load balancer's group goes first, so neither group holds the other.
				out, err := r.clients.EC2(region).DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{
					Filters: owner(fd).Filters(ecs.Name, "")})
				if err != nil {
					t.Fatal(err)
				}
				for _, g := range out.SecurityGroups {
					if got := ingress(t, r, aws.ToString(g.GroupId)); slices.ContainsFunc(got, func(s string) bool { return strings.HasSuffix(s, " "+st.LoadBalancerSecurityGroupID) }) {
						t.Errorf("security group %s still references the load balancer's group while deleting: %v", aws.ToString(g.GroupId), got)
					}
				}
			}
			sawWait = true
		}
		if res.Done {
			break
		}
		r.clock.Advance(10 * time.Second)
	}
	if !sawWait {
		t.Error("security group deletion never waited for the load balancer's interfaces")
	}
	if sgGone := r.clock.Now(); sgGone.Sub(lbGoneAt) < 50*time.Second {
		t.Errorf("security groups deleted %s after the load balancer, before its interfaces were released", sgGone.Sub(lbGoneAt))
	}
	if got := liveLB(r, fd); len(got) != 0 {
		t.Errorf("left after delete: %v", got)
	}
	if s := fd.Status.Service; s.LoadBalancerARN != "" || s.ListenerARN != "" || s.TargetGroupARN != "" || s.LoadBalancerSecurityGroupID != "" {
		t.Errorf("status after delete: %+v", s)
	}
	for _, id := range []string{st.LoadBalancerSecurityGroupID, st.ServiceSecurityGroupID} {
		if _, err := r.clients.EC2(region).DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}}); !cloud.IsNotFound(err) {
			t.Errorf("security group %s: %v", id, err)
		}
	}
}

// Adding a certificate to a running service puts HTTPS on 443 and turns the HTTP listener
// into a redirect, HTTPS first; removing it goes back to plain HTTP. Both are changes, not
// drift. Console edits of the HTTPS listeners are repaired.
func TestLoadBalancingHTTPSAddedRepairedRemoved(t *testing.T) {
	r := newRig(t)
	fd := newFD("shop", "web")
	r.buildNetwork(fd)
	r.converge(fd)
	st := fd.Status.Service
	httpListener, tg := st.ListenerARN, st.TargetGroupARN

	cert := importCertificate(t, r.cfg)
	fd.Spec.Service.LoadBalancer.CertificateARN = cert
	fd.Generation++
	r.converge(fd)
	st = fd.Status.Service
	policy := " policy ELBSecurityPolicy-TLS13-1-2-2021-06"
	want := []string{"HTTP:80" + redirectToHTTPS, "HTTPS:443 forward " + tg + " cert " + cert + policy}
	if got := listenerSummaries(t, r, st.LoadBalancerARN); !slices.Equal(got, want) {
		t.Fatalf("listeners after adding the certificate = %q, want %q", got, want)
	}
	if st.RedirectListenerARN != httpListener || st.ListenerARN == httpListener {
		t.Errorf("the HTTP listener %s should become the redirect one: status %+v", httpListener, st)
	}
	if got := ingress(t, r, st.LoadBalancerSecurityGroupID); !slices.Equal(got, []string{"tcp 443 0.0.0.0/0", "tcp 80 0.0.0.0/0"}) {
		t.Errorf("ingress %v", got)
	}
	if d := ecsDrift(fd); d != nil {
		t.Errorf("a spec change reported as drift: %q", d)
	}

	elb := r.clients.ELBv2(region)
	for _, tc := range []struct {
		name      string
		breakIt   func() error
		wantDrift string
	}{
		{"TLS policy weakened", func() error {
			_, err := elb.ModifyListener(bg, &elbv2.ModifyListenerInput{ListenerArn: aws.String(st.ListenerARN), SslPolicy: aws.String("ELBSecurityPolicy-2016-08")})
			return err
		}, "had SSL policy ELBSecurityPolicy-2016-08"},
		{"redirect turned into a forward", func() error {
			_, err := elb.ModifyListener(bg, &elbv2.ModifyListenerInput{ListenerArn: aws.String(st.RedirectListenerARN),
				DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: aws.String(tg)}}})
			return err
		}, "did not redirect to HTTPS"},
		{"HTTPS listener deleted", func() error {
			_, err := elb.DeleteListener(bg, &elbv2.DeleteListenerInput{ListenerArn: aws.String(st.ListenerARN)})
			return err
		}, "no longer exists; creating a new one"},
	} {
		if err := tc.breakIt(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if _, err := r.pass(fd); err != nil {
			t.Fatalf("%s: repair pass: %v", tc.name, err)
		}
		if d := ecsDrift(fd); !slices.ContainsFunc(d, func(s string) bool { return strings.Contains(s, tc.wantDrift) }) {
			t.Errorf("%s: status.drift = %q, want %q", tc.name, d, tc.wantDrift)
		}
		st = fd.Status.Service
		want := []string{"HTTP:80" + redirectToHTTPS, "HTTPS:443 forward " + tg + " cert " + cert + policy}
		if got := listenerSummaries(t, r, st.LoadBalancerARN); !slices.Equal(got, want) {
			t.Errorf("%s: listeners after the repair = %q, want %q", tc.name, got, want)
		}
	}

	fd.Spec.Service.LoadBalancer.CertificateARN = ""
	fd.Generation++
	r.converge(fd)
	st = fd.Status.Service
	if got := listenerSummaries(t, r, st.LoadBalancerARN); !slices.Equal(got, []string{"HTTP:80 forward " + tg}) {
		t.Errorf("listeners after removing the certificate = %q", got)
	}
	if st.RedirectListenerARN != "" || ecs.URL(fd) != "http://"+st.LoadBalancerDNS {
		t.Errorf("status %+v, URL %s", st, ecs.URL(fd))
	}
	if got := ingress(t, r, st.LoadBalancerSecurityGroupID); !slices.Equal(got, []string{"tcp 80 0.0.0.0/0"}) {
		t.Errorf("ingress %v", got)
	}
	if n := liveLB(r, fd)["elasticloadbalancing/listener"]; n != 1 {
		t.Errorf("%d listeners live", n)
	}
}
