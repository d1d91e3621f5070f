from scrapersky.cli import main

main()
