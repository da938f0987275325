from callcenter.cli import main

main()
