/// The version both programs print with `--version`.
public enum InterIMAPVersion {
    public static let string = "0.1.0"
}
