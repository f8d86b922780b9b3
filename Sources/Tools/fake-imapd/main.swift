print("\(CommandLine.arguments.first ?? ""): not implemented yet")
