import prefect


@prefect.flow
def hello(name: str = "world") -> None:
    print(f"hello {name}")
