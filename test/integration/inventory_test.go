package integration_test

import (
	"fmt"
	"os"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// fixedImage is the image of objects that need no pipeline.
const fixedImage = "public.ecr.aws/docker/library/python:3.12-slim"

// fixedImageInventory is what one object with the API's defaults and a fixed image owns
// once Ready, by "service/type".
var fixedImageInventory = map[string]int{
	"ec2/vpc": 1, "ec2/subnet": 4, "ec2/internet-gateway": 1, "ec2/elastic-ip": 1, "ec2/natgateway": 1, "ec2/route-table": 2,
	"ecr/repository": 1, "ssm/parameter": 1,
	"iam/role": 1, "logs/log-group": 1, "ec2/security-group": 2, "elasticloadbalancing/loadbalancer": 1,
	"elasticloadbalancing/targetgroup": 1, "elasticloadbalancing/listener": 1,
	"ecs/cluster": 1, "ecs/task-definition": 1, "ecs/service": 1,
}

// fixedImageObject is a FlaskDeployment named name in ns with the API's defaults and a
// fixed image, not created yet.
func fixedImageObject(env *testenv.Env, ns, name string) *testenv.Object {
	fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	fd.Spec.Service.Image = fixedImage
	return env.Object(ctx, fd)
}

// madeByAWS are the types of resources AWS makes itself for what the operator creates,
// untagged: the network interfaces of NAT gateways, load balancers and tasks, and the
// tasks of ECS services. Each VPC's main route table and default security group are
// untagged too; inventory counts those apart.
var madeByAWS = map[string]bool{"ec2/network-interface": true, "ecs/task": true}

// inventory sorts the simulator's live resources by the object whose tags prove them its
// own ("service/type" counts per object), and lists those no object owns but for the
// ones AWS made itself: a VPC's main route table and default security group (one
// untagged of each per VPC) and madeByAWS.
func inventory(sim *awssim.Sim, objects []*testenv.Object) (owned []map[string]int, orphans []string) {
	owners := make([]cloud.Owner, len(objects))
	owned = make([]map[string]int, len(objects))
	for i, o := range objects {
		owners[i] = cloud.NewOwner(testenv.ClusterName, o.Get())
		owned[i] = map[string]int{}
	}
	vpcs := 0
	untagged := map[string][]string{} // per VPC default: "service/type" -> IDs
	for _, r := range sim.ListLive() {
		kind := r.Service + "/" + r.Type
		if kind == "ec2/vpc" {
			vpcs++
		}
		found := false
		for i, owner := range owners {
			if owner.Owns(r.Tags) {
				owned[i][kind]++
				found = true
				break
			}
		}
		switch {
		case found || madeByAWS[kind]:
		case len(r.Tags) == 0 && (kind == "ec2/route-table" || kind == "ec2/security-group"):
			untagged[kind] = append(untagged[kind], r.ID)
		default:
			orphans = append(orphans, kind+" "+r.ID)
		}
	}
	for kind, ids := range untagged {
		if len(ids) != vpcs {
			orphans = append(orphans, fmt.Sprintf("%s: %d untagged for %d VPCs: %v", kind, len(ids), vpcs, ids))
		}
	}
	return owned, orphans
}

// expectInventory expects each object to own exactly fixedImageInventory, and nothing
// else to be live.
func expectInventory(sim *awssim.Sim, objects []*testenv.Object) {
	GinkgoHelper()
	owned, orphans := inventory(sim, objects)
	for i, o := range objects {
		Expect(owned[i]).To(Equal(fixedImageInventory), "%s owns exactly one of every resource", o.FD.Name)
	}
	Expect(orphans).To(BeEmpty(), "live resources no object owns")
}

// expectGone waits until the object's finalizer has let it go.
func expectGone(env *testenv.Env, o *testenv.Object) {
	GinkgoHelper()
	Eventually(func() bool {
		return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(o.FD), &v1alpha1.FlaskDeployment{}))
	}).Should(BeTrue(), "%s is deleted: no finalizer stuck", o.FD.Name)
}

// envInt reads a positive number from the environment, or def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
