"""Prefect's "how should I serve and deploy my flows?" decision, as data.

This is the single source of truth: prompts, `recommend`, `tree` (text and mermaid), the README and
the tests all read `TREE`. The structure is checked when the module is imported, so a broken edit
(an unreachable leaf, a branch to nowhere, a cycle) fails every command and test at once.
"""

from __future__ import annotations

from dataclasses import dataclass

DOCS = "https://docs.prefect.io"


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class Question:
    id: str  #: also the CLI flag (`--<id>/--no-<id>`, underscores as dashes) and the JSON key
    label: str  #: the letter in Prefect's decision chart
    text: str
    help: str
    yes: str  #: id of the next question or leaf when the answer is yes
    no: str
    default: bool  #: the answer `--defaults` takes
    links: tuple[Link, ...] = ()

    @property
    def flag(self) -> str:
        return "--" + self.id.replace("_", "-")


@dataclass(frozen=True)
class Leaf:
    id: str  #: the template name under templates/
    title: str
    summary: str
    rationale: str
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class DecisionTree:
    root: str
    questions: dict[str, Question]
    leaves: dict[str, Leaf]

    def node(self, node_id: str) -> Question | Leaf:
        return self.questions.get(node_id) or self.leaves[node_id]


_SERVE = Link("Run flows in local processes with flow.serve",
              f"{DOCS}/v3/how-to-guides/deployment_infra/run-flows-in-local-processes")
_WORK_POOLS = Link("Work pools", f"{DOCS}/v3/concepts/work-pools")
_WORKERS = Link("Workers", f"{DOCS}/v3/concepts/workers")
_DEPLOYMENTS = Link("Deployments", f"{DOCS}/v3/concepts/deployments")
_PREFECT_YAML = Link("Define deployments with prefect.yaml",
                     f"{DOCS}/v3/how-to-guides/deployments/prefect-yaml")
_KUBERNETES = Link("Run flows on Kubernetes",
                   f"{DOCS}/v3/how-to-guides/deployment_infra/kubernetes")
_SERVERLESS = Link("Run flows on serverless compute (push work pools)",
                   f"{DOCS}/v3/how-to-guides/deployment_infra/serverless")
_ECS = Link("Run flows on AWS ECS (prefect-aws ECS guide)",
            f"{DOCS}/integrations/prefect-aws/ecs-worker")
_DOCKER = Link("Run flows in Docker containers",
               f"{DOCS}/v3/how-to-guides/deployment_infra/docker")


TREE = DecisionTree(
    root="containers",
    questions={
        "containers": Question(
            id="containers",
            label="A",
            text="Do your flow runs need customized or dynamically provisioned infrastructure "
            "(a container or pod per run)?",
            help="If one long-running process on a VM can run your flows, flow.serve is the "
            "simplest thing that works: no work pool, no worker, no image registry. Choose yes "
            "when runs need their own image, isolation, or resources sized per run.",
            yes="serverless",
            no="serve_vm",
            default=False,
            links=(_SERVE, _WORK_POOLS),
        ),
        "serverless": Question(
            id="serverless",
            label="C",
            text="Do you want serverless infrastructure (no cluster or VM of your own to run "
            "flow containers on)?",
            help="Serverless pools (ECS Fargate, Cloud Run, Azure Container Instances, Modal) "
            "start a container per run and bill per run; you manage no nodes.",
            yes="cloud_credentials",
            no="kubernetes",
            default=False,
            links=(_SERVERLESS, _WORK_POOLS),
        ),
        "kubernetes": Question(
            id="kubernetes",
            label="D",
            text="Do you want to run flow runs on a managed Kubernetes cluster?",
            help="With a cluster, a Kubernetes worker (installed with the prefect-worker Helm "
            "chart) turns each flow run into a Job. Without one, serve your flows from a VM, "
            "optionally in Docker.",
            yes="k8s_pool",
            no="serve_vm",
            default=True,
            links=(_KUBERNETES, _WORKERS),
        ),
        "cloud_credentials": Question(
            id="cloud_credentials",
            label="E",
            text="Can you store your cloud provider credentials on Prefect Cloud?",
            help="Push work pools need Prefect Cloud and a credentials block it can use to submit "
            "runs for you. If credentials must stay in your account, or you run a self-hosted "
            "Prefect server, run a worker yourself instead.",
            yes="push_pool",
            no="ecs_pool",
            default=True,
            links=(_SERVERLESS, _WORKERS),
        ),
    },
    leaves={
        "serve_vm": Leaf(
            id="serve_vm",
            title="flow.serve in a long-running process (cloud VM, optionally Docker)",
            summary="serve.py serves every deployment from one process; systemd or Docker "
            "keeps it running.",
            rationale="Your runs do not need per-run infrastructure, so the lightest option fits: "
            "a process that serves your deployments and runs them as subprocesses. No work pool, "
            "worker or image registry to operate.",
            links=(_SERVE, _DOCKER, _DEPLOYMENTS),
        ),
        "k8s_pool": Leaf(
            id="k8s_pool",
            title="Kubernetes work pool with a worker from the prefect-worker Helm chart",
            summary="prefect.yaml deploys to a kubernetes pool; each run becomes a Job.",
            rationale="You want containers per run and already run Kubernetes: a worker in your "
            "cluster turns each flow run into a Kubernetes Job built from your image, with "
            "namespace, resources and service account under your control.",
            links=(_KUBERNETES, _WORK_POOLS, _PREFECT_YAML),
        ),
        "push_pool": Leaf(
            id="push_pool",
            title="Push work pool on Prefect Cloud (no worker to run)",
            summary="Prefect Cloud submits each run to ECS, Cloud Run, ACI or Modal directly.",
            rationale="You want serverless containers and may keep credentials on Prefect Cloud, "
            "so Cloud can submit runs itself: nothing of yours runs between deployments. "
            "Requires Prefect Cloud.",
            links=(_SERVERLESS, _WORK_POOLS, _PREFECT_YAML),
        ),
        "ecs_pool": Leaf(
            id="ecs_pool",
            title="ECS work pool (serverless hybrid) with a worker you run in AWS",
            summary="A prefect-aws ECS worker in your account starts a Fargate task per run.",
            rationale="You want serverless containers but credentials must stay in your AWS "
            "account (or you self-host Prefect): a worker running as an ECS service uses its IAM "
            "role to start tasks, and Prefect never holds AWS keys.",
            links=(_ECS, _WORKERS, _PREFECT_YAML),
        ),
    },
)


def _check(tree: DecisionTree) -> None:
    """Every branch leads somewhere, there is no cycle, and every node is reachable."""
    seen: set[str] = set()

    def walk(node_id: str, trail: tuple[str, ...]) -> None:
        if node_id in trail:
            raise ValueError(f"decision tree: cycle through {node_id!r}")
        if node_id not in tree.questions and node_id not in tree.leaves:
            raise ValueError(f"decision tree: branch to unknown node {node_id!r}")
        seen.add(node_id)
        question = tree.questions.get(node_id)
        if question is not None:
            walk(question.yes, (*trail, node_id))
            walk(question.no, (*trail, node_id))

    walk(tree.root, ())
    unreachable = (set(tree.questions) | set(tree.leaves)) - seen
    if unreachable:
        raise ValueError(f"decision tree: unreachable nodes {sorted(unreachable)}")
    for key, node in [*tree.questions.items(), *tree.leaves.items()]:
        if key != node.id:
            raise ValueError(f"decision tree: node {key!r} is filed under the id {node.id!r}")


_check(TREE)
