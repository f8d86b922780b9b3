ScenarioCommand.main()
