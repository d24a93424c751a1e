from prefect import flow


@flow(timeout_seconds=3600)
def train(model: str = "xgboost", epochs: int = 10, **hyperparameters: float) -> str:
    return model


class Pipelines:
    @flow
    def evaluate(self, model_uri: str = "s3://models/latest") -> float:
        return 1.0
