from prepdeck.cli import main

main()
