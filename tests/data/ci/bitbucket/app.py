print("reports")
