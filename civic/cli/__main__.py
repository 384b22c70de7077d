"""`python -m civic.cli …` works like the `civic` console script (handy before `pip install -e .`)."""
from civic.cli import main

main()
